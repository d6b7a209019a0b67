import CI2C
#if canImport(Glibc)
import Glibc
#endif

/// An error from a system call, naming the call, what it was applied to and the errno.
public struct SystemCallError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The C function that failed (`open`, `ioctl(I2C_SLAVE)`).
    public var call: String
    /// What the call was applied to: a device path, a bus and address.
    public var subject: String
    public var errno: Int32

    public init(call: String, subject: String, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String {
        "\(call) on \(subject) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// An I2C adapter opened through i2c-dev (`/dev/i2c-N`). Non-copyable: it owns the descriptor,
/// which `deinit` closes.
public struct I2CBus: ~Copyable {
    public let number: Int
    public let path: String
    private let descriptor: Int32

    /// Opens `/dev/i2c-<number>` (or `path` when given) for reading and writing.
    public init(number: Int, path: String? = nil) throws(SystemCallError) {
        let devicePath = path ?? "/dev/i2c-\(number)"
        let fd = open(devicePath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw SystemCallError(call: "open", subject: devicePath, errno: Glibc.errno)
        }
        self.number = number
        self.path = devicePath
        self.descriptor = fd
    }

    deinit { close(descriptor) }

    /// Addresses the device at `address` for the following transfers. Only 7-bit addresses in
    /// 0x03…0x77 are valid on a bus; others are refused before any ioctl is made.
    public func select(address: UInt8) throws(SystemCallError) {
        let subject = "\(path) address 0x\(String(address, radix: 16))"
        guard (0x03...0x77).contains(address) else {
            throw SystemCallError(call: "ioctl(I2C_SLAVE)", subject: subject, errno: EINVAL)
        }
        guard soma_i2c_set_slave_address(descriptor, UInt(address)) >= 0 else {
            throw SystemCallError(call: "ioctl(I2C_SLAVE)", subject: subject, errno: Glibc.errno)
        }
    }

    /// Reads one byte register with an SMBus transaction (libi2c).
    public func readByte(register: UInt8) throws(SystemCallError) -> UInt8 {
        let result = i2c_smbus_read_byte_data(descriptor, register)
        guard result >= 0 else {
            throw SystemCallError(
                call: "i2c_smbus_read_byte_data", subject: "\(path) register \(register)",
                errno: -result)
        }
        return UInt8(truncatingIfNeeded: result)
    }
}
