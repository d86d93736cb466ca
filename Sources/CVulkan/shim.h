/* Vulkan declarations only: no prototypes, no link line. lyap loads libvulkan.so.1 with dlopen at run
 * time (LyapVulkan/VulkanCalls.swift), so the binary starts on machines without the Vulkan loader. */
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>
#include <dlfcn.h>
#include <stdint.h>

/* VK_MAKE_API_VERSION and friends are function-like macros, which Swift does not import. */
static inline uint32_t lyap_vk_make_api_version(uint32_t variant, uint32_t major, uint32_t minor, uint32_t patch) {
    return VK_MAKE_API_VERSION(variant, major, minor, patch);
}
static inline uint32_t lyap_vk_api_version_major(uint32_t v) { return VK_API_VERSION_MAJOR(v); }
static inline uint32_t lyap_vk_api_version_minor(uint32_t v) { return VK_API_VERSION_MINOR(v); }
static inline uint32_t lyap_vk_api_version_patch(uint32_t v) { return VK_API_VERSION_PATCH(v); }

/* RenderDoc's in-application API, version 1.1.2 (the subset lyap calls; layout follows
 * renderdoc_app.h: 19 entries before StartFrameCapture). Obtained with dlsym on an already loaded
 * librenderdoc.so; lyap never links or loads RenderDoc itself. */
typedef int (*lyap_pRENDERDOC_GetAPI)(int version, void **outAPIPointers);
typedef void (*lyap_pRENDERDOC_StartFrameCapture)(void *device, void *wndHandle);
typedef uint32_t (*lyap_pRENDERDOC_IsFrameCapturing)(void);
typedef uint32_t (*lyap_pRENDERDOC_EndFrameCapture)(void *device, void *wndHandle);
typedef void (*lyap_pRENDERDOC_GetAPIVersion)(int *major, int *minor, int *patch);
typedef struct lyap_RENDERDOC_API_1_1_2 {
    lyap_pRENDERDOC_GetAPIVersion GetAPIVersion;
    void *unused[18];
    lyap_pRENDERDOC_StartFrameCapture StartFrameCapture;
    lyap_pRENDERDOC_IsFrameCapturing IsFrameCapturing;
    lyap_pRENDERDOC_EndFrameCapture EndFrameCapture;
} lyap_RENDERDOC_API_1_1_2;
enum { LYAP_RENDERDOC_API_VERSION_1_1_2 = 10102 };

/* RENDERDOC_DEVICEPOINTER_FROM_VKINSTANCE: the dispatch-table pointer a VkInstance points at. */
static inline void *lyap_renderdoc_device_pointer(VkInstance instance) {
    return instance ? *(void **)instance : (void *)0;
}
