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

    /// Seed 001's unsupervised 8 × 3 layer: 30 eight-pixel patterns, ten around each of the three
    /// prototypes 11110000 (A), 11000011 (B) and 00001100 (C): the prototype itself and nine
    /// variants with one pixel flipped (pixels 0, 3, 6, 1, 4, 7, 2, 5, 0 in turn), labelled by
    /// their prototype.
    public static let prototypes: [(label: String, rows: [String])] = {
        let bases = [("A", "####...."), ("B", "##....##"), ("C", "....##..")]
        var set: [(label: String, rows: [String])] = []
        for (label, base) in bases {
            set.append((label, [base]))
            for variant in 0..<9 {
                var pixels = Array(base)
                let flip = (variant * 3) % 8
                pixels[flip] = pixels[flip] == "#" ? "." : "#"
                set.append((label, [String(pixels)]))
            }
        }
        return set
    }()

    /// A set as a bank: one input per pixel (30 for the digits and letters, 8 for the prototypes).
    public static func bank(_ set: [(label: String, rows: [String])]) -> PatternBank {
        let inputs = set.first.map { $0.rows.joined().count } ?? 0
        // Every grid of a set above has the same size, so the bank always fits.
        return try! PatternBank(set.map { Pattern(pixels: $0.rows.joined().map { $0 == "#" }, label: $0.label) }, inputCount: inputs)
    }
}
