import Foundation

/// A small SVG line chart (one series, a marker per point), enough for characterisation curves.
/// Opens in any browser. Points with no value are skipped.
public struct LinePlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [(x: Double, y: Double?)]
    /// A second series drawn as a plain line under the points (a model to compare with).
    public var reference: [(x: Double, y: Double?)] = []
    /// Whether a line joins the points (a sweep) or they stand alone (scattered measurements).
    public var connectsPoints = true

    public init(title: String, xLabel: String, yLabel: String, points: [(x: Double, y: Double?)]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    public func svg(width: Double = 640, height: Double = 420) -> String {
        let left = 70.0, right = 20.0, top = 40.0, bottom = 60.0
        let shown = points.compactMap { point in point.y.map { (x: point.x, y: $0) } }
        let xs = points.map(\.x)
        let drawnReference = reference.compactMap { point in point.y.map { (x: point.x, y: $0) } }
        let ys = shown.map(\.y) + drawnReference.map(\.y)
        let xMin = xs.min() ?? 0, xMax = xs.max() ?? 1
        let yMin = min(0, ys.min() ?? 0), yMax = max(ys.max() ?? 1, yMin + 1e-9)
        let xSpan = xMax > xMin ? xMax - xMin : 1
        let ySpan = yMax - yMin
        func px(_ x: Double) -> Double { left + (x - xMin) / xSpan * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (y - yMin) / ySpan * (height - top - bottom) }
        func f(_ value: Double) -> String { String((value * 100).rounded() / 100) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">\(escape(title))</text>
            <line x1="\(f(left))" y1="\(f(height - bottom))" x2="\(f(width - right))" y2="\(f(height - bottom))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(height - bottom))" stroke="black"/>
            <text x="\(f(width / 2))" y="\(f(height - 15))" text-anchor="middle" font-family="sans-serif" font-size="13">\(escape(xLabel))</text>
            <text x="18" y="\(f(height / 2))" text-anchor="middle" font-family="sans-serif" font-size="13" transform="rotate(-90 18 \(f(height / 2)))">\(escape(yLabel))</text>

            """
        for tick in 0...4 {
            let x = xMin + xSpan * Double(tick) / 4
            let y = yMin + ySpan * Double(tick) / 4
            svg += "<text x=\"\(f(px(x)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">\(f(x))</text>\n"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">\(f(y))</text>\n"
        }
        if drawnReference.count > 1 {
            let path = drawnReference.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"reference\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
        }
        if shown.count > 1 && connectsPoints {
            let path = shown.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        }
        for point in shown {
            svg += "<circle class=\"point\" cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"4\" fill=\"#1f5fa8\"/>\n"
        }
        return svg + "</svg>\n"
    }

    private func escape(_ text: String) -> String { SVG.escape(text) }
}

/// What the SVG plots share.
enum SVG {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Two decimals, no trailing noise.
    static func number(_ value: Double) -> String { String((value * 100).rounded() / 100) }
}
