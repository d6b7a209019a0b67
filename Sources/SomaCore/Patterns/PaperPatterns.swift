/// The pattern sets of seed 000 Fig. 5, as 6 rows of 5 pixels (`#` black = 1, `.` white = 0).
/// The host's `builtin:` sets and the simulator's learning tests use these.
public enum PaperPatterns {
    /// The paper's 6 × 5 digits 0–9 (seed 000 Fig. 5: 30 inputs, 5 wide, 6 high). Drawn so that
    /// the two closest pairs are 5/6 (1 pixel apart) and 8/9 (2 pixels), the small Hamming
    /// distances behind the paper's shared hidden responses; every other pair differs in at
    /// least 4 pixels.
    public static let digits: [(label: String, rows: [String])] = [
        ("0", [".###.", "#...#", "#...#", "#...#", "#...#", ".###."]),
        ("1", ["..#..", ".##..", "..#..", "..#..", "..#..", ".###."]),
        ("2", [".###.", "#...#", "...#.", "..#..", ".#...", "#####"]),
        ("3", ["####.", "....#", "..##.", "....#", "....#", "####."]),
        ("4", ["...#.", "..##.", ".#.#.", "#####", "...#.", "...#."]),
        ("5", ["#####", "#....", "####.", "....#", "#...#", ".###."]),
        ("6", ["#####", "#....", "####.", "#...#", "#...#", ".###."]),
        ("7", ["#####", "....#", "...#.", "..#..", ".#...", ".#..."]),
        ("8", [".###.", "#...#", ".###.", "#...#", "#...#", ".###."]),
        ("9", [".###.", "#...#", ".####", "....#", "#...#", ".###."]),
    ]

    /// Ten capital letters in the same 6 × 5 grid.
    public static let letters: [(label: String, rows: [String])] = [
        ("A", [".###.", "#...#", "#...#", "#####", "#...#", "#...#"]),
        ("C", [".####", "#....", "#....", "#....", "#....", ".####"]),
        ("E", ["#####", "#....", "####.", "#....", "#....", "#####"]),
        ("H", ["#...#", "#...#", "#####", "#...#", "#...#", "#...#"]),
        ("J", ["..###", "...#.", "...#.", "...#.", "#..#.", ".##.."]),
        ("L", ["#....", "#....", "#....", "#....", "#....", "#####"]),
        ("O", [".###.", "#...#", "#...#", "#...#", "#...#", ".###."]),
        ("T", ["#####", "..#..", "..#..", "..#..", "..#..", "..#.."]),
        ("V", ["#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."]),
        ("X", ["#...#", ".#.#.", "..#..", "..#..", ".#.#.", "#...#"]),
    ]

    /// A set as a bank for a network with 30 inputs.
    public static func bank(_ set: [(label: String, rows: [String])]) -> PatternBank {
        // Every grid above is 6 × 5, so the bank always fits 30 inputs.
        try! PatternBank(set.map { Pattern(pixels: $0.rows.joined().map { $0 == "#" }, label: $0.label) }, inputCount: 30)
    }
}
