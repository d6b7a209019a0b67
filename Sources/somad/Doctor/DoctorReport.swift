import Foundation

/// One line of `somad doctor`: a verdict, what was checked, what was found.
struct Finding: Equatable {
    enum Verdict: String {
        case ok = "ok"
        case warning = "warn"
        case failure = "FAIL"
    }

    var verdict: Verdict
    /// What was checked: `chip main`, `line L0.n0.fire`, `i2c 1 0x48`, `loop latency`.
    var subject: String
    /// What was found, and for a problem what to do about it.
    var detail: String

    var line: String {
        let verdict = self.verdict.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
        let subject = self.subject.count < 22 ? self.subject.padding(toLength: 22, withPad: " ", startingAt: 0) : self.subject
        return "\(verdict)  \(subject)  \(detail)"
    }
}

/// The findings of one `somad doctor` run, printed as they are made so a slow check (the latency
/// probe) shows what came before it.
final class DoctorReport {
    private(set) var findings: [Finding] = []
    private let print: (String) -> Void

    init(print: @escaping (String) -> Void) { self.print = print }

    func add(_ verdict: Finding.Verdict, _ subject: String, _ detail: String) {
        let finding = Finding(verdict: verdict, subject: subject, detail: detail)
        findings.append(finding)
        print(finding.line)
    }

    func ok(_ subject: String, _ detail: String) { add(.ok, subject, detail) }
    func warn(_ subject: String, _ detail: String) { add(.warning, subject, detail) }
    func fail(_ subject: String, _ detail: String) { add(.failure, subject, detail) }

    var failures: [Finding] { findings.filter { $0.verdict == .failure } }
    var warnings: [Finding] { findings.filter { $0.verdict == .warning } }

    /// The last line: ready or not, and how many of each.
    var verdictLine: String {
        let counts = "\(findings.count - failures.count - warnings.count) ok, \(warnings.count) warning\(warnings.count == 1 ? "" : "s"), \(failures.count) failure\(failures.count == 1 ? "" : "s")"
        if failures.isEmpty {
            return "verdict: ready (\(counts))"
        }
        return "verdict: NOT ready (\(counts)): fix the FAIL lines above"
    }
}
