import Foundation

/// Files the daemon keeps besides the event log (pattern sets, run records): written whole to a
/// temporary name, fsynced, renamed over the old one and the directory fsynced, so a crash leaves
/// the old file or the new one, never half of one.
enum DurableFile {
    static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DurableFileError(call: "open", path: temporary, errno: errno) }
        var written = 0
        let failure: Int32? = data.withUnsafeBytes { bytes in
            while written < bytes.count {
                let count = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
                if count <= 0 { return errno }
                written += count
            }
            return nil
        }
        if let failure {
            close(fd)
            unlink(temporary)
            throw DurableFileError(call: "write", path: temporary, errno: failure)
        }
        guard fsync(fd) == 0 else {
            let saved = errno
            close(fd)
            throw DurableFileError(call: "fsync", path: temporary, errno: saved)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw DurableFileError(call: "rename", path: path, errno: errno) }
        syncDirectory(of: path)
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 else { throw DurableFileError(call: "unlink", path: path, errno: errno) }
        syncDirectory(of: path)
    }

    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

struct DurableFileError: Error, CustomStringConvertible {
    var call: String
    var path: String
    var errno: Int32
    var description: String { "\(call) on \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}
