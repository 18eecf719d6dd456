//! A private `redis-server` for tests and benchmarks: started on a free loopback port in a
//! temporary directory, waited for until it answers `PING`, killed when dropped. Never the
//! machine's shared instance on 6379.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running private Redis server.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    persistent: bool,
    tls: Option<TlsFiles>,
    /// With `tls`: clients must present a certificate signed by the CA (mutual TLS).
    client_certificates: bool,
}

/// PEM files for a TLS-only server.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
    /// The CA that signed it.
    pub ca: PathBuf,
}

/// How the server keeps data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// Nothing on disk (the default; fastest).
    None,
    /// An append-only file fsynced on every write, so a killed and restarted server keeps
    /// every acknowledged write (for fault tests).
    AppendOnly,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

impl RedisServer {
    /// Starts a server with no persistence.
    pub fn start() -> RedisServer {
        RedisServer::start_with(Persistence::None)
    }

    /// Starts a server with the given persistence.
    pub fn start_with(persistence: Persistence) -> RedisServer {
        RedisServer::start_configured(persistence, None, false)
    }

    /// Starts a server that only speaks TLS (clients need not present certificates).
    pub fn start_tls(files: TlsFiles) -> RedisServer {
        RedisServer::start_configured(Persistence::None, Some(files), false)
    }

    /// Starts a server that only speaks TLS and only to clients that present a certificate
    /// signed by `files.ca` (mutual TLS).
    pub fn start_mutual_tls(files: TlsFiles) -> RedisServer {
        RedisServer::start_configured(Persistence::None, Some(files), true)
    }

    fn start_configured(
        persistence: Persistence,
        tls: Option<TlsFiles>,
        client_certificates: bool,
    ) -> RedisServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("tidings-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = RedisServer {
            child: None,
            port,
            dir,
            persistent: persistence == Persistence::AppendOnly,
            tls,
            client_certificates,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let mut command = Command::new(redis_server_binary());
        match &self.tls {
            None => command.arg("--port").arg(self.port.to_string()),
            Some(files) => command
                .args(["--port", "0", "--tls-port"])
                .arg(self.port.to_string())
                .arg("--tls-cert-file")
                .arg(&files.cert)
                .arg("--tls-key-file")
                .arg(&files.key)
                .arg("--tls-ca-cert-file")
                .arg(&files.ca)
                .arg("--tls-auth-clients")
                .arg(if self.client_certificates {
                    "yes"
                } else {
                    "no"
                }),
        };
        command
            .args(["--bind", "127.0.0.1", "--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--logfile", "redis.log"]);
        if self.persistent {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("cannot start redis-server (install it, or run `make test`): {err}")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let ready = match self.tls {
                // A TLS server cannot be pinged in plain text: wait for its port instead.
                Some(_) => TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
                None => self
                    .command(&["PING"])
                    .is_some_and(|reply| reply == "+PONG"),
            };
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let log = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
        panic!(
            "redis-server on port {} did not become ready; its log ends:\n{}",
            self.port,
            log.lines().rev().take(5).collect::<Vec<_>>().join("\n")
        );
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/` (`rediss://localhost:<port>/` for a TLS server).
    pub fn url(&self) -> String {
        match self.tls {
            None => format!("redis://127.0.0.1:{}/", self.port),
            Some(_) => format!("rediss://localhost:{}/", self.port),
        }
    }

    /// The directory the server runs in (temporary; removed on drop).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Sends one command (inline, space-free arguments) and returns the first reply line, or
    /// `None` if the server does not answer.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end().to_owned();
        if let Some(length) = line.strip_prefix('$') {
            let length: i64 = length.parse().ok()?;
            if length < 0 {
                return Some(String::new());
            }
            let mut body = vec![0; length as usize + 2];
            reader.read_exact(&mut body).ok()?;
            body.truncate(length as usize);
            return String::from_utf8(body).ok();
        }
        Some(line)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and directory.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `$REDIS_SERVER` if set, else `redis-server` from `PATH`.
pub fn redis_server_binary() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
}

/// True when a redis-server can be started here.
pub fn redis_available() -> bool {
    Command::new(redis_server_binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
