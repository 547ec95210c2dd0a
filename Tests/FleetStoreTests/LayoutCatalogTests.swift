import Testing

@testable import FleetStore

@Suite struct LayoutCatalogTests {
    let cpuAndLoad = SeriesLayout(metrics: ["cpu.usage_percent", "load.1m"], labels: ["cpu=total", ""])
    let loadOnly = SeriesLayout(metrics: ["load.1m"], labels: [""])

    @Test func positionsAreIndexedByLayoutIDAndTellUnknownIDsApart() {
        var catalog = LayoutCatalog()
        catalog.add(id: 1, layout: cpuAndLoad)
        catalog.add(id: 3, layout: loadOnly)
        // Id 2 was never met (a gap of the id sequence, or a layout written since): unknown, not "absent".
        #expect(catalog.positions(metric: "load.1m", labels: "") == [2, LayoutCatalog.unknownLayout, 1])
        #expect(catalog.positions(metric: "cpu.usage_percent", labels: "cpu=total") == [1, LayoutCatalog.unknownLayout, 0])
        #expect(catalog.positions(metric: "cpu.usage_percent", labels: "cpu=0") == [0, LayoutCatalog.unknownLayout, 0])
        #expect(catalog.id(of: loadOnly) == 3)
        #expect(catalog.layout(id: 1) == cpuAndLoad)
    }

    @Test func aLayoutWrittenUnsortedIsSearchedInFull() {
        var catalog = LayoutCatalog()
        catalog.add(id: 1, layout: SeriesLayout(metrics: ["load.1m", "cpu.usage_percent"], labels: ["", "cpu=total"]))
        #expect(catalog.positions(metric: "cpu.usage_percent", labels: "cpu=total") == [2])
    }

    @Test func anAddedLayoutRefreshesCachedPositions() {
        var catalog = LayoutCatalog()
        #expect(catalog.positions(metric: "load.1m", labels: "").isEmpty)
        catalog.add(id: 2, layout: loadOnly)
        #expect(catalog.positions(metric: "load.1m", labels: "") == [LayoutCatalog.unknownLayout, 1])
        // Adding an id again changes nothing.
        catalog.add(id: 2, layout: cpuAndLoad)
        #expect(catalog.layout(id: 2) == loadOnly)
        #expect(catalog.count == 1)
    }
}
