import Testing

@testable import FleetPostgres
@testable import FleetStore

@Suite struct CopyTextEncoderTests {
    private func encoded(_ build: (inout CopyTextEncoder) -> Void) -> String {
        var encoder = CopyTextEncoder(capacity: 64)
        build(&encoder)
        var buffer = encoder.take()
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    @Test func plainFieldsAreTabSeparatedAndNewlineTerminated() {
        let row = encoded {
            $0.appendText("web-1")
            $0.appendText("cpu.usage_percent")
            $0.appendInteger(1_795_000_000_000)
            $0.appendDouble(12.5)
            $0.endRow()
        }
        #expect(row == "web-1\tcpu.usage_percent\t1795000000000\t12.5\n")
    }

    @Test func backslashTabNewlineAndCarriageReturnAreEscaped() {
        let row = encoded {
            $0.appendText("a\\b\tc\nd\re")
            $0.endRow()
        }
        #expect(row == "a\\\\b\\tc\\nd\\re\n")
    }

    @Test func nullIsBackslashN() {
        let row = encoded {
            $0.appendNull()
            $0.appendText("\\N")
            $0.endRow()
        }
        // A literal "\N" text must not read back as NULL.
        #expect(row == "\\N\t\\\\N\n")
    }

    @Test func nonASCIIPassesThroughAsUTF8() {
        #expect(
            encoded {
                $0.appendText("mount=/mnt/données✓"); $0.endRow()
            } == "mount=/mnt/données✓\n")
    }

    @Test func doublesRoundTripAndSpecialValuesUsePostgresSpelling() {
        let row = encoded {
            $0.appendDouble(0.1)
            $0.appendDouble(1e-5)
            $0.appendDouble(-2.5e20)
            $0.appendDouble(.infinity)
            $0.appendDouble(-.infinity)
            $0.appendDouble(.nan)
            $0.endRow()
        }
        #expect(row == "0.1\t1e-05\t-2.5e+20\tInfinity\t-Infinity\tNaN\n")
        #expect(Double("1e-05") == 1e-5)
    }

    @Test func severalRowsResetTheFieldSeparator() {
        let rows = encoded {
            $0.appendText("a")
            $0.appendText("b")
            $0.endRow()
            $0.appendText("c")
            $0.endRow()
        }
        #expect(rows == "a\tb\nc\n")
    }
}
