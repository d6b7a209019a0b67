import Foundation
import NIOCore
import SomaProtocol

/// Events are the bulk of what the API sends (a pull is thousands per page), so they are written
/// straight into the buffer instead of through JSONEncoder: the same bytes JSONEncoder with
/// sorted keys makes (the tests decode them with JSONDecoder), ten times faster.
enum EventJSON {
    static func write(_ event: EventDocument, to buffer: inout ByteBuffer) {
        buffer.writeString(#"{"kind":""#)
        buffer.writeString(event.kind)  // one of a fixed set of ASCII names: nothing to escape
        buffer.writeString(#"","layer":"#)
        buffer.writeString(String(event.layer))
        buffer.writeString(#","neuron":"#)
        buffer.writeString(String(event.neuron))
        buffer.writeString(#","payload":"#)
        buffer.writeString(String(event.payload))
        buffer.writeString(#","sequence":"#)
        buffer.writeString(String(event.sequence))
        buffer.writeString(#","tick":"#)
        buffer.writeString(String(event.tick))
        buffer.writeString("}")
    }

    static func page(_ page: EventsPage) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 + page.events.count * 96)
        buffer.writeString(#"{"events":["#)
        for (index, event) in page.events.enumerated() {
            if index > 0 { buffer.writeString(",") }
            write(event, to: &buffer)
        }
        buffer.writeString(#"],"lastSequence":"#)
        buffer.writeString(String(page.lastSequence))
        buffer.writeString(#","next":"#)
        buffer.writeString(String(page.next))
        if let lost = page.lost, !lost.isEmpty {
            buffer.writeString(#","lost":"#)
            let encoded: Data = (try? JSONEncoder().encode(lost)) ?? Data("[]".utf8)
            buffer.writeBytes(Array(encoded))
        }
        buffer.writeString("}")
        return buffer
    }
}
