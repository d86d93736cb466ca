import LyapCore

extension CPUBackend: TrainingBackend {}
