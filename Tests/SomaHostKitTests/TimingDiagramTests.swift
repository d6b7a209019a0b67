import SomaHostKit
import Testing

@Suite("Timing diagram")
struct TimingDiagramTests {
    @Test("one character per tick, a ruler in microseconds, ASCII style")
    func ascii() {
        let diagram = TimingDiagram(
            lanes: [
                .init(name: "CLK", levels: [true, true, false, false, true, true, false, false]),
                .init(name: "G1", levels: [false, false, false, false, true, true, false, false]),
            ],
            tickMicroseconds: 50, ticksPerMark: 4, style: .ascii)
        #expect(diagram.render() == """
            µs        |0  |200
            CLK       ##..##..
            G1        ....##..

            """)
    }

    @Test("long traces wrap into blocks, each with its own ruler")
    func wrapping() {
        let diagram = TimingDiagram(
            lanes: [.init(name: "CLK", levels: (0..<25).map { $0 % 10 < 5 })],
            tickMicroseconds: 50, ticksPerMark: 10, style: .unicode, ticksPerLine: 20)
        let lines = diagram.render().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "µs        |0        |500      ")
        #expect(lines[1] == "CLK       ▇▇▇▇▇▁▁▁▁▁▇▇▇▇▇▁▁▁▁▁")
        #expect(lines[3] == "µs        |1000")
        #expect(lines[4] == "CLK       ▇▇▇▇▇")
    }
}
