import Testing
import LyapStudy

/// Which configurations of a sweep train together on Vulkan: per width, padded, or interleaved; and the
/// cuts that keep a group within `--max-models` and the device's memory.
struct SweepGroupingTests {
    /// 2 variants x 2 noise levels x 3 widths x 2 seeds, in grid order (seed fastest, then width).
    let todo = SweepGrid(variants: [.trainable, .frozenEmbedding], labelNoise: [0, 0.2], widths: [4, 2, 8], seeds: [0, 1]).configurations

    func ids(_ groups: [[SweepConfiguration]]) -> [[String]] { groups.map { $0.map(\.id) } }

    @Test func theCPUTrainsEachConfigurationAlone() {
        let g = SweepGrouping.split(todo, ensemble: false, maxModels: nil, widths: .interleaved)
        #expect(g.count == todo.count && g.allSatisfy { $0.count == 1 })
    }

    @Test func separateWidthsGroupByVariantAndWidth() {
        let g = SweepGrouping.split(todo, ensemble: true, maxModels: nil)
        #expect(g.count == 6)
        #expect(g.allSatisfy { Set($0.map(\.width)).count == 1 && Set($0.map(\.variant)).count == 1 && $0.count == 4 })
    }

    @Test func interleavedGroupsHoldAVariantWithEachWidthTogether() {
        let g = SweepGrouping.split(todo, ensemble: true, maxModels: nil, widths: .interleaved)
        #expect(g.count == 2)
        for group in g {
            #expect(Set(group.map(\.variant)).count == 1 && group.count == 12)
            // Widths contiguous, in the grid's order; within a width, the grid's order (noise, then seed).
            #expect(group.map(\.width) == [4, 4, 4, 4, 2, 2, 2, 2, 8, 8, 8, 8])
            #expect(group.prefix(4).map(\.index) == group.prefix(4).map(\.index).sorted())
        }
        #expect(Set(g.flatMap { $0 }) == Set(todo))
    }

    @Test func interleavedGroupsAreCutToMaxModelsAndToMemory() {
        let capped = SweepGrouping.split(todo, ensemble: true, maxModels: 5, widths: .interleaved)
        #expect(capped.map(\.count) == [5, 5, 2, 5, 5, 2])
        // Memory for 8 models of width 2 or 4, or 2 of width 8: four of width 4 (1/2), four of width 2 (1/2),
        // then the width-8 models two at a time.
        let fit = { (w: Int) in w == 8 ? 2 : 8 }
        let cut = SweepGrouping.split(todo, ensemble: true, maxModels: nil, widths: .interleaved, fit: fit)
        #expect(cut.map(\.count) == [8, 2, 2, 8, 2, 2])
        #expect(cut[0].map(\.width) == [4, 4, 4, 4, 2, 2, 2, 2] && cut[1].map(\.width) == [8, 8])
        // A model that does not fit at all still gets a group of its own (its allocation reports the error).
        let none = SweepGrouping.split(todo, ensemble: true, maxModels: nil, widths: .interleaved, fit: { _ in 1 })
        #expect(none.allSatisfy { $0.count == 1 } && none.count == todo.count)
    }

    @Test func paddedGroupsAreCutForTheWidest() {
        let g = SweepGrouping.split(todo, ensemble: true, maxModels: nil, widths: .padded, fit: { $0 == 8 ? 5 : 100 })
        #expect(g.map(\.count) == [5, 5, 2, 5, 5, 2])
    }
}
