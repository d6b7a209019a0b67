extension String {
    /// The text left-aligned in a column of `width` characters, with at least one space after it.
    public func padded(toWidth width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }

    /// The text right-aligned in a column of `width` characters.
    public func rightAligned(toWidth width: Int) -> String {
        String(repeating: " ", count: Swift.max(0, width - count)) + self
    }
}
