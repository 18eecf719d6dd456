//! Secure connections: `rediss://` to a TLS-only private redis-server whose certificate is
//! signed by a CA made for the test (also one that asks for a client certificate: mutual TLS),
//! and ACL users with passwords in the URL.

mod support;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
};
use serde_json::json;
use support::{next, Harness, RedisServer};
use tidings::{Bus, ErrorKind, HistoryQuery};
use tidings_testkit::TlsFiles;

/// Writes a CA and a server certificate for localhost / 127.0.0.1 into `dir`, and a client
/// certificate signed by the same CA (`client.crt`, `client.key`).
fn make_certificates(dir: &std::path::Path) -> TlsFiles {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["tidings-client".to_owned()]).unwrap();
    // A subject of its own: one equal to the CA's (rcgen's default) reads as self-signed.
    client_params.distinguished_name = DistinguishedName::new();
    client_params
        .distinguished_name
        .push(DnType::CommonName, "tidings-client");
    let client_cert = client_params.signed_by(&client_key, &ca).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("client.crt"), client_cert.pem()).unwrap();
    std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let files = TlsFiles {
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
        ca: dir.join("ca.crt"),
    };
    std::fs::write(&files.cert, server_cert.pem()).unwrap();
    std::fs::write(&files.key, server_key.serialize_pem()).unwrap();
    std::fs::write(&files.ca, ca.pem()).unwrap();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_private_ca_emits_subscribes_and_reads_history() {
    let dir = std::env::temp_dir().join(format!("tidings-tls-{}", std::process::id()));
    let files = make_certificates(&dir);
    let server = RedisServer::start_tls(files.clone());
    let url = server.url().replace("localhost", "127.0.0.1");
    let bus = Bus::builder(&url)
        .tls_ca_cert(&files.ca)
        .build()
        .await
        .unwrap();
    let mut subscription = bus.subscribe("secure.*").await.unwrap();
    let id = bus
        .emit("secure.hello", json!({"over": "tls"}))
        .await
        .unwrap();
    assert_eq!(next(&mut subscription).await.id, id);
    let stored = bus.history("secure.*", HistoryQuery::new()).await.unwrap();
    assert_eq!(stored[0].id, id);

    // Without the CA the server's certificate is not trusted: a connection error, not a hang.
    let err = Bus::connect(&url)
        .await
        .err()
        .expect("untrusted certificate");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    // A CA file that does not exist is a configuration error.
    let err = Bus::builder(&url)
        .tls_ca_cert(dir.join("missing.crt"))
        .build()
        .await
        .err()
        .expect("missing CA file");
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_presents_the_client_certificate() {
    let dir = std::env::temp_dir().join(format!("tidings-mtls-{}", std::process::id()));
    let files = make_certificates(&dir);
    let server = RedisServer::start_mutual_tls(files.clone());
    let url = server.url().replace("localhost", "127.0.0.1");
    let bus = Bus::builder(&url)
        .tls_ca_cert(&files.ca)
        .tls_client_cert(dir.join("client.crt"))
        .tls_client_key(dir.join("client.key"))
        .build()
        .await
        .unwrap();
    let mut subscription = bus.subscribe("mutual.*").await.unwrap();
    let id = bus.emit("mutual.hello", json!(1)).await.unwrap();
    assert_eq!(next(&mut subscription).await.id, id);

    // The same server refuses a client without a certificate: a connection error, not a hang.
    let err = Bus::builder(&url)
        .tls_ca_cert(&files.ca)
        .build()
        .await
        .err()
        .expect("no client certificate");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    // A certificate without its key is a configuration error, before anything connects.
    let err = Bus::builder(&url)
        .tls_client_cert(dir.join("client.crt"))
        .build()
        .await
        .err()
        .expect("a certificate without a key");
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    let err = Bus::builder(&url)
        .tls_ca_cert(&files.ca)
        .tls_client_cert(dir.join("client.crt"))
        .tls_client_key(dir.join("missing.key"))
        .build()
        .await
        .err()
        .expect("a missing key file");
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_users_authenticate_from_the_url() {
    let harness = Harness::redis();
    let server = harness.server.as_ref().unwrap();
    let created = server.command(&[
        "ACL", "SETUSER", "app", "on", ">s3cret", "~*", "&*", "+@all",
    ]);
    assert_eq!(created.as_deref(), Some("+OK"));
    let port = server.port();
    let bus = Bus::connect(&format!("redis://app:s3cret@127.0.0.1:{port}/"))
        .await
        .unwrap();
    let mut subscription = bus.subscribe("acl.*").await.unwrap();
    let id = bus.emit("acl.checked", json!(1)).await.unwrap();
    assert_eq!(next(&mut subscription).await.id, id);
    let err = Bus::connect(&format!("redis://app:wrong@127.0.0.1:{port}/"))
        .await
        .err()
        .expect("wrong password");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the password is not echoed: {err}"
    );
}

/// The least an ACL user needs for tidings (docs/options.md, "A least-privilege Redis user"):
/// its keys, its one channel pattern and the commands it sends. Emit, a pattern subscription
/// and history all work with nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_least_privilege_acl_user_is_enough() {
    let harness = Harness::redis();
    let server = harness.server.as_ref().unwrap();
    let mut rule = vec![
        "ACL",
        "SETUSER",
        "svc",
        "on",
        ">s3cret",
        "resetkeys",
        "resetchannels",
    ];
    rule.extend(LEAST_PRIVILEGE.split_whitespace());
    assert_eq!(server.command(&rule).as_deref(), Some("+OK"));
    let port = server.port();
    let bus = Bus::connect(&format!("redis://svc:s3cret@127.0.0.1:{port}/"))
        .await
        .unwrap();
    let mut subscription = bus.subscribe("shop.*").await.unwrap();
    let id = bus.emit("shop.order", json!({"n": 1})).await.unwrap();
    assert_eq!(next(&mut subscription).await.id, id);
    let history = bus
        .history("shop.*", tidings::HistoryQuery::new())
        .await
        .unwrap();
    assert_eq!(history[0].id, id);
    // A resume from a cursor reads what each stream lost (XINFO STREAM).
    let from =
        tidings::SubscribeOptions::new().from(tidings::Start::from(history[0].cursor().unwrap()));
    let mut resumed = bus.subscribe_with("shop.*", from).await.unwrap();
    let later = bus.emit("shop.order", json!({"n": 2})).await.unwrap();
    assert_eq!(next(&mut resumed).await.id, later);
    // Without the channel pattern, the user cannot subscribe: a refusal, not an outage.
    let lacking: Vec<&str> = ["ACL", "SETUSER", "svc", "resetchannels"].to_vec();
    assert_eq!(server.command(&lacking).as_deref(), Some("+OK"));
    let refused = Bus::connect(&format!("redis://svc:s3cret@127.0.0.1:{port}/"))
        .await
        .unwrap();
    let err = refused
        .subscribe("shop.*")
        .await
        .err()
        .expect("no channel permission");
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.message().contains("permission"), "{err}");
}

/// The ACL rules of a least-privilege tidings user, as docs/options.md gives them.
const LEAST_PRIVILEGE: &str = "~stream:* ~tidings:* &events:* -@all +xadd +publish +sadd \
     +smembers +scard +time +xread +xrange +xrevrange +xinfo|stream +psubscribe +punsubscribe +ping \
     +client";
