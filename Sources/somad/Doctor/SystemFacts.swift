import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `somad doctor` reads off the machine itself: the kernel, device permissions, I2C buses.
enum SystemFacts {
    /// The running kernel: release (`6.1.0-56-amd64`), version string (`#1 SMP PREEMPT_DYNAMIC …`)
    /// and whether it is a PREEMPT_RT kernel.
    static func kernel() -> (release: String, version: String, isRealTime: Bool) {
        var names = utsname()
        uname(&names)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let release = text(names.release), version = text(names.version)
        // /sys/kernel/realtime reads 1 on PREEMPT_RT kernels (it does not exist on others).
        let flag = (try? String(contentsOfFile: "/sys/kernel/realtime", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return (release, version, flag == "1" || version.contains("PREEMPT_RT"))
    }

    /// Why this process cannot open `path` for reading and writing, with the remedy; nil when it can.
    static func accessProblem(_ path: String) -> String? {
        if access(path, R_OK | W_OK) == 0 { return nil }
        let saved = errno
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): \(String(cString: strerror(saved)))" }
        let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "\(info.st_uid)"
        let group = getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(info.st_gid)"
        let mode = String(info.st_mode & 0o777, radix: 8)
        let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
        let inGroup = memberGroups().contains(info.st_gid)
        if !inGroup {
            return "\(path) is \(owner):\(group) mode \(mode) and \(user) is not in group \(group): `sudo usermod -aG \(group) \(user)` and log in again, or install Board/udev/60-soma.rules (Board/deploy.sh does)"
        }
        return "\(path) is \(owner):\(group) mode \(mode): group \(group) may not read and write it; install Board/udev/60-soma.rules (Board/deploy.sh does)"
    }

    /// The groups of this process (effective and supplementary).
    static func memberGroups() -> Set<gid_t> {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let read = getgroups(count, &groups)
        return Set(groups.prefix(Int(max(read, 0)))).union([getegid()])
    }

    /// The I2C adapters present (`/dev/i2c-N`), by number.
    static func i2cBuses() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return names.compactMap { $0.hasPrefix("i2c-") ? Int($0.dropFirst(4)) : nil }.sorted()
    }

    /// The bus clock of adapter `bus` in Hz, where the device tree says (Raspberry Pi: 100 kHz unless
    /// `dtparam=i2c_arm_baudrate=…`); nil where it cannot be read.
    static func i2cBusFrequency(_ bus: Int) -> Int? {
        for path in ["/sys/class/i2c-adapter/i2c-\(bus)/of_node/clock-frequency", "/sys/class/i2c-adapter/i2c-\(bus)/device/of_node/clock-frequency"] {
            if let data = FileManager.default.contents(atPath: path), data.count == 4 {
                return data.reduce(0) { $0 << 8 | Int($1) }  // a device-tree cell: big-endian u32
            }
        }
        return nil
    }

    /// The kernel driver bound to the I2C device at `address` on `bus`, if any (`ads1015`, `mcp4725`).
    static func i2cDriver(bus: Int, address: UInt8) -> String? {
        let device = String(format: "/sys/bus/i2c/devices/%d-%04x/driver", bus, Int(address))
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: device) else { return nil }
        return (target as NSString).lastPathComponent
    }
}
