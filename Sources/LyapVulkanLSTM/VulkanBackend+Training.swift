import LyapCore
import LyapVulkan

extension VulkanBackend: TrainingBackend {}
