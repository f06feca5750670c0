import Testing
import TCK

@Suite struct SelectionTests {
    let entries = [
        CatalogEntry(name: "hello", kernel: "hello", groups: ["smoke", "boot"]),
        CatalogEntry(name: "cpuid", kernel: "cpuid", groups: ["abi"]),
        CatalogEntry(name: "cpuid-4", kernel: "cpuid", groups: ["abi", "smp"]),
        CatalogEntry(name: "smp-4", kernel: "smp", groups: ["smp"]),
    ]

    @Test(arguments: [
        ("cpuid*", "cpuid", true), ("cpuid*", "cpuid-4", true), ("cpuid*", "xcpuid", false),
        ("*-4", "smp-4", true), ("*-4", "smp-42", false), ("h?llo", "hello", true), ("h?llo", "hllo", false),
        ("*", "", true), ("", "", true), ("", "a", false), ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false),
        ("**x", "x", true), ("hello", "hello", true), ("hello", "Hello", false),
        // fnmatch(3) classes: sets, ranges, negation, POSIX classes, quoting.
        ("conf-[mp]*", "conf-msr", true), ("conf-[mp]*", "conf-pci-1.0", true), ("conf-[mp]*", "conf-io", false),
        ("smp-[0-9]", "smp-4", true), ("smp-[!0-9]", "smp-4", false), ("smp-[[:digit:]]", "smp-8", true),
        ("cpuid\\*", "cpuid*", true), ("cpuid\\*", "cpuid-4", false), ("[", "[", true),
    ])
    func globMatchesWholeNames(pattern: String, name: String, matches: Bool) {
        #expect(Selection.glob(pattern, matches: name) == matches)
    }

    @Test func manyStarsStayFast() {
        let pattern = String(repeating: "*a", count: 50) + "b"
        #expect(!Selection.glob(pattern, matches: String(repeating: "a", count: 200)))
    }

    @Test func filtersAndGroupsAreORedWithinAndANDedBetween() {
        #expect(Selection().apply(to: entries).count == 4)
        #expect(Selection(filters: ["cpuid*"]).apply(to: entries).map(\.name) == ["cpuid", "cpuid-4"])
        #expect(Selection(filters: ["hello", "smp*"]).apply(to: entries).map(\.name) == ["hello", "smp-4"])
        #expect(Selection(groups: ["smp"]).apply(to: entries).map(\.name) == ["cpuid-4", "smp-4"])
        #expect(Selection(groups: ["boot", "abi"]).apply(to: entries).map(\.name) == ["hello", "cpuid", "cpuid-4"])
        #expect(Selection(filters: ["cpuid*"], groups: ["smp"]).apply(to: entries).map(\.name) == ["cpuid-4"])
        #expect(Selection(filters: ["nothing"]).apply(to: entries).isEmpty)
    }

    @Test func anEmptySelectionSaysWhatWasAskedFor() throws {
        let reason = Selection(filters: ["conf-*"], groups: ["nosuch"]).emptyReason(catalog: "suite.cfg", entries: entries)
        #expect(reason == "no test in suite.cfg matches --filter 'conf-*' --group 'nosuch'; no test is in group 'nosuch' "
                + "(groups: abi, boot, smoke, smp); `tck list` shows every test")
        #expect(Selection().emptyReason(catalog: "suite.cfg", entries: []) == "no test in suite.cfg: the catalog is empty")
        let shard = try Shard.parse("2/3")
        #expect(Selection(filters: ["x"], shard: shard).emptyReason(catalog: "c", entries: entries)
                == "no test in c matches --filter 'x' --shard 2/3; `tck list` shows every test")
    }

    @Test func shardsParseFromIOverN() throws {
        #expect(try Shard.parse("2/5") == Shard(index: 2, count: 5))
        #expect(try Shard.parse("1/1").description == "1/1")
        for bad in ["0/3", "4/3", "1/0", "a/b", "1/", "/2", "1/2/3", "-1/2", "+1/2", "", "1 /2", "١/٢"] {
            #expect(throws: SelectionError.self, "\(bad)") { try Shard.parse(bad) }
        }
    }

    @Test func everyTestIsInExactlyOneShard() throws {
        let names = (0..<100).map { "test-\($0)" }
        for count in 1...7 {
            let shards = try (1...count).map { try Shard(index: $0, count: count) }
            for name in names {
                #expect(shards.filter { $0.contains(testName: name) }.count == 1, "\(name) in \(count) shards")
            }
            // Every shard gets some of the 100 tests.
            for shard in shards { #expect(names.contains { shard.contains(testName: $0) }, "\(shard) empty") }
        }
    }

    @Test func shardsAreStableWhenTestsAreAddedOrReordered() throws {
        let shard = try Shard(index: 2, count: 3)
        let before = (0..<100).map { "test-\($0)" }
        let after = (before + (100..<150).map { "test-\($0)" }).shuffled()
        let selectedBefore = Set(before.filter { shard.contains(testName: $0) })
        let selectedAfter = Set(after.filter { shard.contains(testName: $0) })
        #expect(selectedAfter.intersection(before) == selectedBefore)
        let catalog = before.map { CatalogEntry(name: $0, kernel: "k") }
        #expect(Set(Selection(shard: shard).apply(to: catalog.reversed()).map(\.name)) == selectedBefore)
    }

    @Test func fnv1aMatchesTheReferenceValues() {
        #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard.fnv1a("foobar") == 0x85944171f73967e8)
    }
}
