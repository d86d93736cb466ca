import Foundation
import LyapCore
import LyapStudy
import LyapTraining

/// Runs the configurations of a checked sweep that are not finished yet, writing each one's record
/// and the sweep's table and manifest after every group.
struct SweepRunner {
    var plan: SweepPlan
    let command: SweepCommand

    mutating func run() throws {
        let dir = plan.dir
        var backends: [String] = []
        if command.resume {
            let m = try dir.readManifest()
            if m.settings.order == nil { plan.settings.order = nil }
            // A sweep started before pad sharing was recorded continues unshared.
            if m.settings.sharedPadding == nil && plan.settings.sharedPadding == true { plan.settings.sharedPadding = nil }
            // One that shared before the balanced cut was recorded keeps the batch-order cut.
            if m.settings.sharedSlices == nil { plan.settings.sharedSlices = nil }
            if let what = m.settings.firstDifference(from: plan.settings) {
                throw ConfigError("--resume: \(dir.path) holds a sweep with a different \(what); give the same options as when it started")
            }
            if m.shard != plan.shard {
                throw ConfigError("--resume: \(dir.path) holds shard \(m.shard?.description ?? "none"), not \(plan.shard?.description ?? "none")")
            }
            backends = m.backends
        } else {
            try checkCanStartNew(dir)
        }
        let settings = plan.settings, plan = self.plan
        let backend = try ComputeBackend.resolve(command.compute.backend ?? (settings.precision == .float64 ? "cpu" : "auto"),
                                                 device: command.compute.device, validate: command.compute.validate)
        try backend.check(precision: settings.precision)
        if command.padWidths, !backend.onDevice {
            throw ConfigError("--pad-widths groups widths into one Vulkan ensemble; it needs --backend vulkan (the CPU trains each width at its own size)")
        }
        if command.interleaveWidths, !backend.onDevice {
            throw ConfigError("--interleave-widths records the widths' Vulkan kernels side by side; it needs --backend vulkan (the CPU trains one configuration at a time)")
        }
        let widest = plan.configurations.max { $0.width < $1.width }.map(plan.runConfig)
        try widest.map { try MemoryPreflight.training($0, backend: backend, stepsPerSubmit: try command.compute.stepsPerSubmit) }
        try dir.create()
        backends.append(backend.recordName)
        let mine = plan.configurations
        var records = try dir.readRecords(mine, columns: settings.columns)
        try dir.writeOutputs(settings: settings, shard: plan.shard, configurations: mine.count, backends: backends, records: records)
        let todo = mine.filter { records[$0.index] == nil }
        info("sweep: \(mine.count) configurations\(plan.shard.map { " (shard \($0) of \(plan.grid.count))" } ?? ""), \(records.count) finished, \(todo.count) to run on \(backend.recordName); writing \(dir.path)")
        var started = records.count
        let fit = backend.modelsThatFit(plan: plan, stepsPerSubmit: try command.compute.stepsPerSubmit)
        let widthMode: SweepGrouping.WidthMode = command.padWidths ? .padded : command.interleaveWidths ? .interleaved : .separate
        for group in SweepGrouping.split(todo, ensemble: backend.onDevice, maxModels: command.maxModels, widths: widthMode, fit: fit) {
            let label = group.count == 1
                ? "configuration \(started + 1)/\(mine.count) \(group[0].id)"
                : "configurations \(started + 1)-\(started + group.count)/\(mine.count) (\(group[0].variant), H=\(Set(group.map(\.width)).sorted().map(String.init).joined(separator: ",")))"
            info(label)
            let rows = try train(group, backend: backend, label: label)
            for (c, r) in zip(group, rows) {
                try dir.writeRecord(c, columns: settings.columns, rows: r)
                records[c.index] = r
            }
            try dir.writeOutputs(settings: settings, shard: plan.shard, configurations: mine.count, backends: backends, records: records)
            started += group.count
        }
        try backend.checkValidation()
        info("sweep done: \(dir.csvPath), \(dir.manifestPath)")
    }

    private func checkCanStartNew(_ dir: SweepDirectory) throws {
        let fm = FileManager.default
        let held = [dir.manifestPath, dir.csvPath, dir.configsPath].filter { fm.fileExists(atPath: $0) }
        guard !held.isEmpty else { return }
        guard command.force else {
            throw ConfigError("--out \(dir.path): already holds a sweep; use --resume to continue it or --force to replace it")
        }
        for p in held { try fm.removeItem(atPath: p) }
    }

    /// Trains one group from its initial parameters; returns each configuration's rows.
    private func train(_ group: [SweepConfiguration], backend: ComputeBackend, label: String) throws -> [[[String]]] {
        let s = plan.settings
        var members: [GroupMember] = []
        for c in group {
            let data = plan.data(c)
            members.append(GroupMember(train: data.train, seed: c.seed, baseOrder: try s.dataOrder.baseOrder(data),
                                       analyze: try TrainingAnalysis.make(plan.runConfig(c), data: data, backend: backend)))
        }
        let models = try backend.group(group, plan: plan, stepsPerSubmit: try command.compute.stepsPerSubmit,
                                       interleave: command.interleaveWidths)
        let ids = group.map(\.id), dir = plan.dir
        let layouts = group.map { ParameterLayout(plan.runConfig($0).model) }
        var rows = [[[String]]](repeating: [], count: group.count)
        var start: (epoch: Int, dataOrders: [LabRNG])?
        if command.resume, let saved = try SweepGroupCheckpoint.read(in: dir, ids: ids, layouts: layouts) {
            try models.load(states: saved.states)
            rows = saved.rows
            start = (saved.epoch, saved.dataOrders)
            info("\(label): continuing from the checkpoint of epoch \(saved.epoch)")
        } else {
            try models.load(group.map(plan.initialParameters))
        }
        var training = GroupTraining(epochs: s.epochs, batch: s.batch, shuffle: s.shuffle, adam: s.adam,
                                     analyzeEvery: s.analysis?.every)
        let progress = ProgressDisplay()
        progress.prefix = label + "  "
        training.onProgress = { progress.update($0) }
        let every = command.checkpointEvery
        try training.run(models, members: members, test: plan.data(group[0]).test, from: start) { epoch, results, orders in
            for (k, r) in results.enumerated() {
                rows[k].append(SweepTable.row(group[k], epoch: epoch, train: r.train, test: r.test, analysis: r.analysis,
                                              withAnalysis: s.analysis != nil))
            }
            if every > 0, epoch % every == 0, epoch < s.epochs {
                try SweepGroupCheckpoint.write(.init(ids: ids, epoch: epoch, states: try models.states(), dataOrders: orders, rows: rows),
                                               in: dir, precision: s.precision)
                try SweepRunner.simulatedInterruption(after: epoch)
            }
            progress.finish()
            let worst = results.map { SweepTable.error($0.test) }.max() ?? .nan
            say(String(format: "lyap: %@  epoch %d/%d  train error %.4f  test error %.4f%@", label, epoch, s.epochs,
                       SweepTable.error(results[0].train), SweepTable.error(results[0].test),
                       results.count > 1 ? String(format: " (first model; worst test error %.4f)", worst) : ""))
        }
        progress.finish()
        SweepGroupCheckpoint.remove(in: dir, ids: ids)
        return rows
    }

    /// Test hook: LYAP_TEST_INTERRUPT_AFTER_EPOCH=N stops the sweep like a kill right after the group
    /// checkpoint of epoch N (the resume tests use it; a real kill can land anywhere).
    static func simulatedInterruption(after epoch: Int) throws {
        guard let n = ProcessInfo.processInfo.environment["LYAP_TEST_INTERRUPT_AFTER_EPOCH"].flatMap(Int.init), n == epoch else { return }
        throw ConfigError("interrupted after the checkpoint of epoch \(epoch) (LYAP_TEST_INTERRUPT_AFTER_EPOCH)")
    }
}
