'use client'
// A live dashboard (the classic real-time dashboard): metrics.update events update the cards, alert
// events show a notice. Served by the route handler in app/api/events/route.js.
import { useEffect, useState } from 'react'

export default function Dashboard() {
  const [metrics, setMetrics] = useState({ cpu: 0, memory: 0, requests: 0, errors: 0 })
  const [alerts, setAlerts] = useState([])

  useEffect(() => {
    const source = new EventSource('/api/events?pattern=*')
    // The SSE event name is the event type; `data` is the whole event as JSON.
    source.addEventListener('metrics.update', (message) => {
      const event = JSON.parse(message.data)
      setMetrics((previous) => ({ ...previous, ...event.data }))
    })
    source.addEventListener('alert', (message) => {
      const event = JSON.parse(message.data)
      setAlerts((previous) => [event, ...previous].slice(0, 5))
    })
    return () => source.close()
  }, [])

  return (
    <main>
      <h1>Dashboard</h1>
      <ul>
        <li>CPU: {metrics.cpu}%</li>
        <li>Memory: {metrics.memory} MB</li>
        <li>Requests/s: {metrics.requests}</li>
        <li>Errors: {metrics.errors}</li>
      </ul>
      {alerts.map((alert) => (
        <p key={alert.id} role="alert">
          {alert.data?.message ?? JSON.stringify(alert.data)}
        </p>
      ))}
    </main>
  )
}
