import CGPIOD
#if canImport(Glibc)
import Glibc
#endif

/// An error from libgpiod, naming the call, the chip, the lines and the errno — and, when a line
/// is busy, the consumer that holds it.
public struct GPIOError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The libgpiod operation (`open chip`, `request outputs`, `set values`).
    public var call: String
    /// The chip's path (`/dev/gpiochip0`).
    public var chip: String
    /// The line offsets involved; empty for chip-wide calls.
    public var lines: [UInt32]
    public var errno: Int32
    /// For EBUSY: who holds the line (`gpioset`, `somad`), when the kernel says.
    public var heldBy: String?

    public init(call: String, chip: String, lines: [UInt32] = [], errno: Int32, heldBy: String? = nil) {
        self.call = call
        self.chip = chip
        self.lines = lines
        self.errno = errno
        self.heldBy = heldBy
    }

    public var description: String {
        var text = "\(call) on \(chip)"
        if lines.count == 1 {
            text += " line \(lines[0])"
        } else if !lines.isEmpty {
            text += " lines \(lines.map(String.init).joined(separator: ","))"
        }
        text += " failed: \(String(cString: strerror(errno))) (errno \(errno))"
        if let heldBy { text += "; held by consumer \"\(heldBy)\"" }
        return text
    }
}

/// An open GPIO chip (`/dev/gpiochipN`). A class because requests share it: every request keeps
/// its chip open, and the chip closes when the last one is gone.
public final class GPIOChip {
    public let path: String
    /// The chip's label (`pinctrl-bcm2711`, `soma-sim-a`).
    public let label: String
    public let lineCount: Int
    @usableFromInline let handle: OpaquePointer

    /// Opens a chip by path (`/dev/gpiochip0`), by name (`gpiochip0`) or by label
    /// (`label:pinctrl-rp1`). A label names the same controller whatever number the kernel gives
    /// it: the Pi 5's header chip was gpiochip4 before kernel 6.6.45 and gpiochip0 after.
    public init(_ pathOrName: String) throws(GPIOError) {
        let path: String
        if pathOrName.hasPrefix(Self.labelPrefix) {
            let label = String(pathOrName.dropFirst(Self.labelPrefix.count))
            guard let found = Self.present().first(where: { $0.label == label })?.path else {
                throw GPIOError(call: "find chip labelled \"\(label)\"", chip: "/dev/gpiochip*", errno: ENODEV)
            }
            path = found
        } else {
            path = pathOrName.hasPrefix("/") ? pathOrName : "/dev/" + pathOrName
        }
        guard let handle = soma_gpio_chip_open(path) else {
            throw GPIOError(call: "open chip", chip: path, errno: Glibc.errno)
        }
        let lines = soma_gpio_chip_num_lines(handle)
        var label = [CChar](repeating: 0, count: 64)
        guard lines >= 0, soma_gpio_chip_label(handle, &label, label.count) == 0 else {
            let saved = Glibc.errno
            soma_gpio_chip_close(handle)
            throw GPIOError(call: "read chip info", chip: path, errno: saved)
        }
        self.path = path
        self.handle = handle
        self.lineCount = Int(lines)
        self.label = String(decoding: label.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { soma_gpio_chip_close(handle) }

    /// How a profile names a chip by its label rather than its number.
    public static let labelPrefix = "label:"

    /// The GPIO chips this process can see: `/dev/gpiochipN` in number order, with their labels
    /// and line counts (a chip that cannot be opened is listed with its errno instead).
    public static func present(devices: String = "/dev") -> [(path: String, label: String?, lineCount: Int?, errno: Int32?)] {
        guard let directory = opendir(devices) else { return [] }
        defer { closedir(directory) }
        var numbers: [Int] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("gpiochip"), let number = Int(name.dropFirst("gpiochip".count)) { numbers.append(number) }
        }
        return numbers.sorted().map { number in
            let path = "\(devices)/gpiochip\(number)"
            do throws(GPIOError) {
                let chip = try GPIOChip(path)
                return (path, chip.label, chip.lineCount, nil)
            } catch {
                return (path, nil, nil, error.errno)
            }
        }
    }

    /// The consumer holding `line`, or nil when it is free.
    public func consumer(ofLine line: UInt32) throws(GPIOError) -> String? {
        guard Int(line) < lineCount else {
            throw GPIOError(call: "line info", chip: path, lines: [line], errno: EINVAL)
        }
        var name = [CChar](repeating: 0, count: 64)
        let used = soma_gpio_line_consumer(handle, line, &name, name.count)
        guard used >= 0 else { throw GPIOError(call: "line info", chip: path, lines: [line], errno: Glibc.errno) }
        guard used == 1 else { return nil }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Requests `lines` as outputs, driven to `initial` (same order) in the same ioctl, so no line
    /// glitches through another level on the way.
    public func requestOutputs(
        _ lines: [UInt32], initial: [Bool], consumer: String = "somad"
    ) throws(GPIOError) -> GPIOLineRequest {
        guard initial.count == lines.count else {
            throw GPIOError(call: "request outputs (one initial level per line)", chip: path, lines: lines, errno: EINVAL)
        }
        return try GPIOLineRequest(chip: self, lines: lines, output: true, initial: initial, edges: false, consumer: consumer)
    }

    /// Requests `lines` as inputs; with `edges`, the kernel timestamps every rising and falling edge.
    public func requestInputs(
        _ lines: [UInt32], edges: Bool, consumer: String = "somad"
    ) throws(GPIOError) -> GPIOLineRequest {
        try GPIOLineRequest(chip: self, lines: lines, output: false, initial: [], edges: edges, consumer: consumer)
    }
}

/// One edge on an input line, timestamped by the kernel (CLOCK_MONOTONIC).
public typealias GPIOEdge = soma_gpio_edge

extension GPIOEdge {
    public var isRising: Bool { rising != 0 }
}

/// Lines of one chip held by this process, all outputs or all inputs. A class: the lines are
/// released exactly once, when the last reference goes. Setting, getting and reading edges allocate
/// nothing and never throw — they return an errno (0 on success) for the loop to report as a
/// board fault.
public final class GPIOLineRequest {
    public let chip: GPIOChip
    public let lines: [UInt32]
    public let isOutput: Bool
    @usableFromInline let request: UnsafeMutablePointer<soma_gpio_request>

    init(
        chip: GPIOChip, lines: [UInt32], output: Bool, initial: [Bool], edges: Bool, consumer: String
    ) throws(GPIOError) {
        guard !lines.isEmpty, lines.count <= Int(SOMA_GPIO_MAX_LINES) else {
            throw GPIOError(call: output ? "request outputs" : "request inputs", chip: chip.path, lines: lines, errno: EINVAL)
        }
        for line in lines where Int(line) >= chip.lineCount {
            throw GPIOError(call: output ? "request outputs" : "request inputs", chip: chip.path, lines: [line], errno: EINVAL)
        }
        let request = UnsafeMutablePointer<soma_gpio_request>.allocate(capacity: 1)
        let levels = initial.map { Int32($0 ? 1 : 0) }
        let status = consumer.withCString { name in
            soma_gpio_request_lines(chip.handle, lines, UInt32(lines.count), output ? 1 : 0, levels, edges ? 1 : 0, name, request)
        }
        guard status == 0 else {
            let saved = Glibc.errno
            request.deallocate()
            // Name the holder of the first busy line, so the user knows what to stop.
            var holder: (line: UInt32, consumer: String)?
            if saved == EBUSY {
                for line in lines {
                    if let name = try? chip.consumer(ofLine: line) { holder = (line, name); break }
                }
            }
            throw GPIOError(
                call: output ? "request outputs" : "request inputs", chip: chip.path,
                lines: holder.map { [$0.line] } ?? lines, errno: saved, heldBy: holder?.consumer)
        }
        self.chip = chip
        self.lines = lines
        self.isOutput = output
        self.request = request
    }

    deinit {
        soma_gpio_release(request)
        request.deallocate()
    }

    /// Sets every line at once: `levels[i]` (0 or 1) for `lines[i]`. Returns 0 or an errno.
    @inlinable
    public func set(_ levels: UnsafePointer<Int32>) -> Int32 {
        soma_gpio_set_values(request, levels) == 0 ? 0 : Glibc.errno
    }

    /// Reads every line into `levels`. Returns 0 or an errno.
    @inlinable
    public func get(_ levels: UnsafeMutablePointer<Int32>) -> Int32 {
        soma_gpio_get_values(request, levels) == 0 ? 0 : Glibc.errno
    }

    /// Waits up to `timeoutNanoseconds` for edges (0 polls). True when some are pending.
    public func waitForEdges(timeoutNanoseconds: Int64) throws(GPIOError) -> Bool {
        let ready = soma_gpio_wait_edges(request, timeoutNanoseconds)
        guard ready >= 0 else { throw GPIOError(call: "wait edge events", chip: chip.path, lines: lines, errno: Glibc.errno) }
        return ready > 0
    }

    /// Reads pending edges without blocking; returns how many were stored, or minus an errno.
    @inlinable
    public func readEdges(into edges: UnsafeMutableBufferPointer<GPIOEdge>) -> Int {
        let read = soma_gpio_read_edges(request, edges.baseAddress, UInt32(edges.count))
        return read >= 0 ? Int(read) : -Int(Glibc.errno)
    }
}
