/// COPY's text and CSV row formats (PostgreSQL's `COPY ... WITH (FORMAT text|csv)`):
/// splitting the client's bytes into rows of fields, and writing rows.
///
/// Text: fields separated by the delimiter (tab), rows by newline; `\N` is NULL;
/// backslash escapes `\b \f \n \r \t \v \\`, octal `\ooo` and hex `\xhh`; a line `\.`
/// ends the data. CSV: fields separated by the delimiter (comma), quoted with `"` when
/// they contain it, a quote or a newline, quotes doubled (or escaped by ESCAPE);
/// unquoted NULL string (empty by default) is NULL, a quoted empty string is ''.
struct CopyParser {
    let options: CopyOptions
    private var pending: [UInt8] = []
    private var headerSkipped = false
    /// The end-of-data marker `\.` was read (text format).
    private(set) var ended = false

    init(options: CopyOptions) {
        self.options = options
        headerSkipped = !options.header
    }

    /// Adds bytes; returns the complete rows they finish.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(PGError) -> [[String?]] {
        pending.append(contentsOf: bytes)
        return try rows(final: false)
    }

    /// The rows left at CopyDone (a last line without its newline included).
    mutating func finish() throws(PGError) -> [[String?]] {
        try rows(final: true)
    }

    private mutating func rows(final: Bool) throws(PGError) -> [[String?]] {
        var result: [[String?]] = []
        var start = 0
        while start < pending.count && !ended {
            guard let (fields, next) = try (options.format == .csv ? csvRow(from: start, final: final) : textRow(from: start, final: final)) else { break }
            start = next
            if !headerSkipped { headerSkipped = true; continue }
            if let fields { result.append(fields) }
        }
        pending.removeFirst(start)
        if ended { pending.removeAll() }
        return result
    }

    /// One text-format row starting at `start`: its fields (nil for the end marker) and
    /// the index after its newline; nil when the line is incomplete.
    private mutating func textRow(from start: Int, final: Bool) throws(PGError) -> ([String?]?, Int)? {
        var end = start
        while end < pending.count && pending[end] != 0x0A { end += 1 }
        if end == pending.count && !final { return nil }
        var lineEnd = end
        if lineEnd > start && pending[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        let line = pending[start..<lineEnd]
        let next = min(end + 1, pending.count)
        if line.elementsEqual([0x5C, 0x2E]) {   // \.
            ended = true
            return (nil, next)
        }
        let delimiter = options.delimiter.asciiValue ?? 0x09
        var fields: [String?] = []
        var field: [UInt8] = []
        var raw: [UInt8] = []        // the field as written, to compare with the NULL string
        var index = line.startIndex
        func finishField() throws(PGError) {
            fields.append(raw.elementsEqual(options.null.utf8) ? nil : try Self.text(field))
            field.removeAll(keepingCapacity: true)
            raw.removeAll(keepingCapacity: true)
        }
        while index < line.endIndex {
            let byte = line[index]
            if byte == delimiter {
                try finishField()
                index += 1
                continue
            }
            raw.append(byte)
            guard byte == 0x5C, index + 1 < line.endIndex else {
                field.append(byte)
                index += 1
                continue
            }
            let escaped = line[index + 1]
            raw.append(escaped)
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): field.append(0x08)
            case UInt8(ascii: "f"): field.append(0x0C)
            case UInt8(ascii: "n"): field.append(0x0A)
            case UInt8(ascii: "r"): field.append(0x0D)
            case UInt8(ascii: "t"): field.append(0x09)
            case UInt8(ascii: "v"): field.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escaped - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < line.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(line[index]) {
                    value = value * 8 + Int(line[index] - UInt8(ascii: "0"))
                    raw.append(line[index])
                    index += 1
                    digits += 1
                }
                field.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                var value = 0
                var digits = 0
                while digits < 2, index < line.endIndex, let digit = hexValue(line[index]) {
                    value = value * 16 + digit
                    raw.append(line[index])
                    index += 1
                    digits += 1
                }
                if digits == 0 { field.append(UInt8(ascii: "x")) } else { field.append(UInt8(value)) }
            default:
                field.append(escaped)
            }
        }
        try finishField()
        return (fields, next)
    }

    /// One CSV row starting at `start` (quoted fields may span lines).
    private mutating func csvRow(from start: Int, final: Bool) throws(PGError) -> ([String?]?, Int)? {
        let delimiter = options.delimiter.asciiValue ?? 0x2C
        let quote = options.quote.asciiValue ?? 0x22
        let escape = options.escape.asciiValue ?? quote
        var fields: [String?] = []
        var field: [UInt8] = []
        var quoted = false
        var inQuotes = false
        var index = start
        func finishField() throws(PGError) {
            fields.append(!quoted && field.elementsEqual(options.null.utf8) ? nil : try Self.text(field))
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        while index < pending.count {
            let byte = pending[index]
            if inQuotes {
                if byte == escape && escape != quote && index + 1 < pending.count
                    && (pending[index + 1] == quote || pending[index + 1] == escape) {
                    field.append(pending[index + 1])
                    index += 2
                    continue
                }
                if byte == quote {
                    // A doubled quote is one quote; at the end of the bytes received so
                    // far it cannot be told apart from a closing quote yet.
                    if index + 1 == pending.count && !final { return nil }
                    if escape == quote && index + 1 < pending.count && pending[index + 1] == quote {
                        field.append(quote)
                        index += 2
                        continue
                    }
                    inQuotes = false
                    index += 1
                    continue
                }
                field.append(byte)
                index += 1
                continue
            }
            switch byte {
            case quote:
                inQuotes = true
                quoted = true
                index += 1
            case delimiter:
                try finishField()
                index += 1
            case 0x0A, 0x0D:
                try finishField()
                var next = index + 1
                if byte == 0x0D && next < pending.count && pending[next] == 0x0A { next += 1 }
                if byte == 0x0D && next == pending.count && !final { return nil }
                if fields == [#"\."#] { ended = true; return (nil, next) }
                return (fields, next)
            default:
                field.append(byte)
                index += 1
            }
        }
        guard final else { return nil }
        if inQuotes { throw PGError(SQLState.badCopyFileFormat, "unterminated CSV quoted field") }
        try finishField()
        return (fields, pending.count)
    }

    /// A field's bytes as text; they must be UTF-8.
    private static func text(_ bytes: [UInt8]) throws(PGError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PGError(SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\" in COPY data")
        }
        return text
    }

    private func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}

/// Writes COPY TO rows in text or CSV format.
struct CopyWriter {
    let options: CopyOptions

    func row(_ fields: [[UInt8]?]) -> [UInt8] {
        var line: [UInt8] = []
        let delimiter = options.delimiter.asciiValue ?? (options.format == .csv ? 0x2C : 0x09)
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(delimiter) }
            guard let field else {
                line.append(contentsOf: options.null.utf8)
                continue
            }
            if options.format == .csv { appendCSV(field, to: &line, delimiter: delimiter) } else { appendText(field, to: &line, delimiter: delimiter) }
        }
        line.append(0x0A)
        return line
    }

    private func appendText(_ field: [UInt8], to line: inout [UInt8], delimiter: UInt8) {
        for byte in field {
            switch byte {
            case 0x5C: line.append(0x5C); line.append(0x5C)
            case 0x0A: line.append(0x5C); line.append(UInt8(ascii: "n"))
            case 0x0D: line.append(0x5C); line.append(UInt8(ascii: "r"))
            case 0x09 where delimiter == 0x09: line.append(0x5C); line.append(UInt8(ascii: "t"))
            case 0x08: line.append(0x5C); line.append(UInt8(ascii: "b"))
            case 0x0C: line.append(0x5C); line.append(UInt8(ascii: "f"))
            case 0x0B: line.append(0x5C); line.append(UInt8(ascii: "v"))
            case delimiter: line.append(0x5C); line.append(byte)
            default: line.append(byte)
            }
        }
    }

    private func appendCSV(_ field: [UInt8], to line: inout [UInt8], delimiter: UInt8) {
        let quote = options.quote.asciiValue ?? 0x22
        let escape = options.escape.asciiValue ?? quote
        let needsQuotes = field.isEmpty && options.null.isEmpty
            || field.contains { $0 == delimiter || $0 == quote || $0 == 0x0A || $0 == 0x0D }
            || field.elementsEqual(options.null.utf8)
            || field.elementsEqual(#"\."#.utf8)
        guard needsQuotes else {
            line.append(contentsOf: field)
            return
        }
        line.append(quote)
        for byte in field {
            if byte == quote || byte == escape { line.append(escape) }
            line.append(byte)
        }
        line.append(quote)
    }
}

/// COPY's binary format (FROM STDIN): the signature `PGCOPY\n\377\r\n\0`, flags and a
/// header extension, then per row an int16 field count (-1 ends the data) and per field
/// an int32 length (-1 is NULL) and the value in its type's binary form.
struct BinaryCopyParser {
    private static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]
    private var pending: [UInt8] = []
    private var headerRead = false
    private(set) var ended = false

    /// Adds bytes; returns the complete rows they finish (nil fields are NULL).
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(PGError) -> [[[UInt8]?]] {
        pending.append(contentsOf: bytes)
        var rows: [[[UInt8]?]] = []
        var index = 0
        func int32(_ at: Int) -> Int32 {
            Int32(bitPattern: UInt32(pending[at]) << 24 | UInt32(pending[at + 1]) << 16 | UInt32(pending[at + 2]) << 8 | UInt32(pending[at + 3]))
        }
        if !headerRead {
            guard pending.count >= 19 else { return [] }
            guard pending[0..<11].elementsEqual(Self.signature) else {
                throw PGError(SQLState.badCopyFileFormat, "COPY file signature not recognized")
            }
            let extensionLength = Int(int32(15))
            guard extensionLength >= 0 else { throw PGError(SQLState.badCopyFileFormat, "invalid COPY file header (missing length)") }
            guard pending.count >= 19 + extensionLength else { return [] }
            index = 19 + extensionLength
            headerRead = true
        }
        rows: while !ended && pending.count - index >= 2 {
            let fields = Int(Int16(bitPattern: UInt16(pending[index]) << 8 | UInt16(pending[index + 1])))
            if fields == -1 {
                ended = true
                index += 2
                break
            }
            guard fields >= 0 else { throw PGError(SQLState.badCopyFileFormat, "row field count is \(fields), expected a count") }
            var cursor = index + 2
            var row: [[UInt8]?] = []
            for _ in 0..<fields {
                guard pending.count - cursor >= 4 else { break rows }
                let length = Int(int32(cursor))
                cursor += 4
                if length == -1 { row.append(nil); continue }
                guard length >= 0 else { throw PGError(SQLState.badCopyFileFormat, "invalid field length \(length)") }
                guard pending.count - cursor >= length else { break rows }
                row.append(Array(pending[cursor..<(cursor + length)]))
                cursor += length
            }
            rows.append(row)
            index = cursor
        }
        pending.removeFirst(index)
        return rows
    }

    /// At CopyDone: the data must have ended exactly.
    func finish() throws(PGError) {
        guard ended || (headerRead && pending.isEmpty) else {
            throw PGError(SQLState.badCopyFileFormat, "unexpected EOF in COPY data")
        }
        guard pending.isEmpty else { throw PGError(SQLState.badCopyFileFormat, "received copy data after EOF marker") }
    }
}
