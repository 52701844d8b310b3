/// date, timestamp and timestamptz values as SQLite holds them (ISO 8601 text: the
/// server's time zone is UTC) and as PostgreSQL sends them in binary: days (date) or
/// microseconds (timestamps) since 2000-01-01, timestamptz in UTC.
///
/// Text read: `YYYY-MM-DD`, then optionally `T` or space and `HH:MM[:SS[.ffffff]]`, then
/// optionally a zone `Z`, `UTC`, `±HH`, `±HH:MM` or `±HHMM` (ignored by timestamp, as
/// in PostgreSQL). Years 1 to 9999.
/// Text written: PostgreSQL's ISO DateStyle output (`2024-05-01 13:45:00.25+00`).
struct PGDateTime: Equatable {
    /// Days since 2000-01-01.
    var day: Int64
    /// Microseconds since midnight (of `day`, UTC when a zone was given).
    var microsecond: Int64

    static let postgresEpochDays: Int64 = 10_957   // 1970-01-01 → 2000-01-01
    static let microsecondsPerDay: Int64 = 86_400_000_000

    init(day: Int64, microsecond: Int64) {
        self.day = day
        self.microsecond = microsecond
    }

    /// Microseconds since 2000-01-01 00:00:00.
    init(microseconds total: Int64) {
        var days = total / Self.microsecondsPerDay
        var rest = total % Self.microsecondsPerDay
        if rest < 0 {
            rest += Self.microsecondsPerDay
            days -= 1
        }
        self.init(day: days, microsecond: rest)
    }

    var microseconds: Int64 { day * Self.microsecondsPerDay + microsecond }

    /// nil when `text` is not in the form above (or names an impossible date or time).
    init?<S: StringProtocol>(parsing text: S, type: PGType) {
        let bytes = Array(text.trimmingPGSpace().utf8)
        var position = 0
        func number(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            position += count
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard position < bytes.count, bytes[position] == character.asciiValue! else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let dayOfMonth = number(2),
              year >= 1, (1...12).contains(month), dayOfMonth >= 1, dayOfMonth <= Self.daysIn(month: month, year: year) else {
            return nil
        }
        var microsecond: Int64 = 0
        if position < bytes.count, type.oid != PGTypes.date.oid, expect("T") || expect(" ") {
            guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else { return nil }
            var second = 0
            var fraction: Int64 = 0
            if expect(":") {
                guard let parsed = number(2), parsed < 60 else { return nil }
                second = parsed
                if expect(".") {
                    var digits = 0
                    var roundUp = false
                    while position < bytes.count, bytes[position] >= 0x30 && bytes[position] <= 0x39 {
                        if digits < 6 { fraction = fraction * 10 + Int64(bytes[position] - 0x30) }
                        if digits == 6 { roundUp = bytes[position] >= UInt8(ascii: "5") }
                        digits += 1
                        position += 1
                    }
                    guard digits > 0 else { return nil }
                    if digits < 6 { for _ in digits..<6 { fraction *= 10 } }
                    if roundUp { fraction += 1 }   // to the microsecond, as PostgreSQL rounds
                }
            }
            microsecond = (Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)) * 1_000_000 + fraction
            // A zone is read for both timestamp types; timestamp without time zone ignores it,
            // as PostgreSQL does.
            if position < bytes.count {
                _ = expect(" ")
                let zone = String(decoding: bytes[position...], as: UTF8.self)
                if zone == "Z" || zone == "UTC" {
                    position = bytes.count
                } else {
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") else { return nil }
                    let sign: Int64 = bytes[position] == UInt8(ascii: "-") ? -1 : 1
                    position += 1
                    guard let zoneHours = number(2), zoneHours <= 15 else { return nil }
                    var zoneMinutes = 0
                    if position < bytes.count {
                        _ = expect(":")
                        guard let parsed = number(2), parsed < 60 else { return nil }
                        zoneMinutes = parsed
                    }
                    if type.oid == PGTypes.timestamptz.oid {
                        microsecond -= sign * Int64(zoneHours * 60 + zoneMinutes) * 60_000_000
                    }
                }
            }
        }
        guard position == bytes.count else { return nil }
        self.init(microseconds: (Self.daysFromCivil(year: year, month: month, day: dayOfMonth) - Self.postgresEpochDays) * Self.microsecondsPerDay + microsecond)
    }

    /// ISO output of `type`: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]` with trailing zeros
    /// of the fraction removed, and `+00` for timestamptz. nil outside years 1 to 9999.
    func text(type: PGType) -> String? {
        let (year, month, dayOfMonth) = Self.civil(fromDays: day + Self.postgresEpochDays)
        guard year >= 1, year <= 9999 else { return nil }
        var out = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(dayOfMonth, 2)
        if type.oid == PGTypes.date.oid { return out }
        let seconds = Int(microsecond / 1_000_000)
        out += " " + Self.pad(seconds / 3600, 2) + ":" + Self.pad(seconds / 60 % 60, 2) + ":" + Self.pad(seconds % 60, 2)
        var fraction = Int(microsecond % 1_000_000)
        if fraction > 0 {
            var digits = 6
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            out += "." + Self.pad(fraction, digits)
        }
        if type.oid == PGTypes.timestamptz.oid { out += "+00" }
        return out
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse (civil_from_days).
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }
}

extension SQLState {
    public static let invalidDatetimeFormat = "22007"
    public static let datetimeFieldOverflow = "22008"
}
