// GET /api/events?pattern=user.* — the live event stream for the browser, as Server-Sent
// Events. The browser's EventSource reconnects by itself and sends Last-Event-ID, from which
// `sseResponse` resumes (a first connect can carry `&last_event_id=`; a bad token gets a 400);
// closing the tab aborts the request, which unsubscribes.
import { getBus } from '../../../lib/bus.js'

export const runtime = 'nodejs' // the native addon needs Node.js, not the Edge runtime
export const dynamic = 'force-dynamic' // never cache a stream

export async function GET(request) {
  const pattern = new URL(request.url).searchParams.get('pattern') ?? '*'
  const bus = await getBus()
  try {
    return await bus.sseResponse(request, pattern)
  } catch (error) {
    if (error.code === 'TIDINGS_INVALID_PATTERN') return new Response(error.message, { status: 400 })
    throw error
  }
}
