import Testing
@testable import Latent

@Suite("JSON reading and writing")
struct JSONTests {
    @Test("a value survives serialized() and parsing: nesting, escapes, unicode, numbers, key order")
    func roundTrip() throws {
        let value: JSONValue = [
            "z first": ["nested": [1, -2.5, 1e-7, 123456789012], "empty": [], "none": .null],
            "text": "quote \" backslash \\ tab \t newline \n é ✓ 😀 \u{1}",
            "flags": [true, false],
            "mixed": [1, "two", ["three": 3]],
        ]
        let text = value.serialized()
        #expect(try JSONValue(parsing: text) == value)
        #expect(text.hasPrefix("{\n  \"z first\": {"))  // keys stay in the order given
    }

    @Test("escapes a reader must decode: \\/, \\b, \\f, \\uXXXX and surrogate pairs")
    func escapes() throws {
        #expect(try JSONValue(parsing: #""a\/b\b\f\u00e9\ud83d\ude00""#) == .string("a/b\u{08}\u{0C}é😀"))
    }

    @Test("malformed text fails with the byte offset of the problem", arguments: [
        (#"{"a":1"#, 6),        // unterminated object
        ("[1,]", 3),             // a value missing after the comma
        ("01", 1),               // a leading zero ends the number: bytes after the value
        ("1.", 2),               // digits must follow the point
        ("-", 1),                // digits must follow the minus
        ("1e400", 0),            // beyond Double
        (#""\x""#, 3),           // unknown escape
        (#""\ud800x""#, 7),      // high surrogate without its low half
        ("\"a\nb\"", 3),         // raw control character inside a string
        ("tru", 0),              // not a literal
        (#"{"a" 1}"#, 5),        // missing colon
        ("[" + String(repeating: "[", count: 99), 64),  // nesting limit
    ])
    func malformed(text: String, offset: Int) {
        #expect(throws: JSONError.self) { try JSONValue(parsing: text) }
        do {
            _ = try JSONValue(parsing: text)
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]  // "a", then a broken 2-byte sequence
        #expect(throws: JSONError.self) { try JSONValue.parse(bytes, in: 0..<bytes.count) }
    }

    @Test("error offsets count from the start of the buffer, not of the range parsed")
    func offsetsInBuffer() {
        let bytes = Array("xxxx[1 2]".utf8)
        #expect(throws: JSONError(offset: 7, reason: "expected ',' or ']' in array")) {
            try JSONValue.parse(bytes, in: 4..<bytes.count)
        }
    }

    @Test("lookups: the first value of a key, a list of numbers with null as NaN")
    func lookups() throws {
        let value = try JSONValue(parsing: #"{"a": [1, null, 2.5], "b": "text", "a": 0}"#)
        let numbers = try #require(value["a"]?.doubles)
        #expect(numbers.count == 3 && numbers[0] == 1 && numbers[1].isNaN && numbers[2] == 2.5)
        #expect(value["b"]?.doubles == nil && value["missing"] == nil)
    }
}
