import LyapCore

extension VulkanBackend: TrainingBackend {}
