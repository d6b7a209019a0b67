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

    /// The file descriptor, for the device wrappers in this module.
    var fileDescriptor: Int32 { descriptor }
}

/// One chip on an I2C bus: its own descriptor with the chip's address selected, so drivers on
/// different threads never share the per-descriptor address. SMBus transfers through libi2c; every
/// error names the bus, the address, the register and the errno.
public struct I2CDevice: ~Copyable {
    public let bus: I2CBus
    public let address: UInt8

    /// Opens the bus and selects `address` (7-bit, 0x03…0x77). Does not talk to the chip; call
    /// `probe()` to learn whether it answers.
    public init(bus number: Int, address: UInt8, path: String? = nil) throws(SystemCallError) {
        let bus = try I2CBus(number: number, path: path)
        try bus.select(address: address)
        self.bus = bus
        self.address = address
    }

    var subject: String { "\(bus.path) address 0x\(String(address, radix: 16))" }

    private func check(_ result: Int32, _ call: String, register: UInt8?) throws(SystemCallError) -> Int32 {
        guard result < 0 else { return result }
        let on = register.map { subject + " register 0x" + String($0, radix: 16) } ?? subject
        // libi2c returns -errno and also leaves errno set.
        throw SystemCallError(call: call, subject: on, errno: result == -1 ? Glibc.errno : -result)
    }

    /// An SMBus quick write: the cheapest "are you there?" (what i2cdetect does). Throws ENXIO
    /// (no acknowledge) when nothing answers at the address.
    public func probe() throws(SystemCallError) {
        _ = try check(i2c_smbus_write_quick(bus.fileDescriptor, UInt8(I2C_SMBUS_WRITE)), "i2c_smbus_write_quick", register: nil)
    }

    public func readByte(register: UInt8) throws(SystemCallError) -> UInt8 {
        UInt8(truncatingIfNeeded: try check(i2c_smbus_read_byte_data(bus.fileDescriptor, register), "i2c_smbus_read_byte_data", register: register))
    }

    public func writeByte(register: UInt8, _ value: UInt8) throws(SystemCallError) {
        _ = try check(i2c_smbus_write_byte_data(bus.fileDescriptor, register, value), "i2c_smbus_write_byte_data", register: register)
    }

    /// Sends a single byte with no register (chips whose commands are one byte, like MCP4728's).
    public func send(_ value: UInt8) throws(SystemCallError) {
        _ = try check(i2c_smbus_write_byte(bus.fileDescriptor, value), "i2c_smbus_write_byte", register: nil)
    }

    /// Reads a 16-bit register sent most significant byte first (as ADS1x15 chips do; SMBus words
    /// are little-endian, so the bytes are swapped here).
    public func readBigEndianWord(register: UInt8) throws(SystemCallError) -> UInt16 {
        let word = try check(i2c_smbus_read_word_data(bus.fileDescriptor, register), "i2c_smbus_read_word_data", register: register)
        return UInt16(truncatingIfNeeded: word).byteSwapped
    }

    /// Writes a 16-bit register most significant byte first.
    public func writeBigEndianWord(register: UInt8, _ value: UInt16) throws(SystemCallError) {
        _ = try check(i2c_smbus_write_word_data(bus.fileDescriptor, register, value.byteSwapped), "i2c_smbus_write_word_data", register: register)
    }

    /// Writes `bytes` after a first byte (`command`) in one transaction (an I2C block write).
    public func writeBlock(command: UInt8, _ bytes: [UInt8]) throws(SystemCallError) {
        guard bytes.count <= 32 else {  // an I2C block transfer carries at most 32 bytes
            throw SystemCallError(call: "i2c_smbus_write_i2c_block_data", subject: subject, errno: EMSGSIZE)
        }
        _ = try check(i2c_smbus_write_i2c_block_data(bus.fileDescriptor, command, UInt8(bytes.count), bytes), "i2c_smbus_write_i2c_block_data", register: command)
    }

    /// Reads `count` bytes after sending `command` (an I2C block read).
    public func readBlock(command: UInt8, count: Int) throws(SystemCallError) -> [UInt8] {
        guard (0...32).contains(count) else {
            throw SystemCallError(call: "i2c_smbus_read_i2c_block_data", subject: subject, errno: EMSGSIZE)
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = try check(i2c_smbus_read_i2c_block_data(bus.fileDescriptor, command, UInt8(count), &bytes), "i2c_smbus_read_i2c_block_data", register: command)
        return Array(bytes.prefix(Int(read)))
    }
}
