// The root layout the App Router requires around every page (no web fonts: nothing is fetched at
// build time).
export const metadata = { title: 'tidings + Next.js' }

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
