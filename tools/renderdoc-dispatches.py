"""Lists the compute dispatches of a RenderDoc capture of lyap with their debug labels, without replaying
it: the capture's structured data (every serialised Vulkan call) is read through RenderDoc's Python
module, which is Debian's build for /usr/bin/python3 (python3-renderdoc).

    /usr/bin/python3 tools/renderdoc-dispatches.py CAPTURE.rdc OUT.txt LYAP_DISPATCH_LOG

Each dispatch becomes "LABELS<TAB>PIPELINE" (labels open at the dispatch, outermost first, joined by "/";
"-" for none; the pipeline by its VK_EXT_debug_utils name), the format of lyap's LYAP_DISPATCH_LOG. The
capture's whole dispatch sequence must equal lyap's log of the same run; OUT.txt gets one training step
(from the first dispatch labelled forward up to the next one after an adam dispatch), numbered.
"""
import sys

import renderdoc as rd


def child(obj, name):
    c = obj.FindChild(name)
    if c is None:
        raise KeyError(f'{obj.name} has no member {name}')
    return c


def dispatches(path):
    rd.InitialiseReplay(rd.GlobalEnvironment(), [])
    cap = rd.OpenCaptureFile()
    result = cap.OpenFile(path, '', None)
    if getattr(result, 'code', result) != rd.ResultCode.Succeeded:
        raise RuntimeError(f'RenderDoc cannot open {path}: {result}')
    if cap.DriverName() != 'Vulkan':
        raise RuntimeError(f'{path} is a {cap.DriverName()} capture, not Vulkan')
    sd = cap.GetStructuredData()
    rid = lambda obj: str(obj.AsResourceId())
    names, labels, bound, out = {}, {}, {}, []
    for chunk in sd.chunks:
        name = chunk.name
        if name == 'vkSetDebugUtilsObjectNameEXT':
            names[rid(child(chunk, 'Object'))] = child(chunk, 'ObjectName').AsString()
        elif name == 'vkBeginCommandBuffer':
            cb = rid(child(chunk, 'CommandBuffer'))
            labels[cb] = []
            bound.pop(cb, None)
        elif name == 'vkCmdBeginDebugUtilsLabelEXT':
            labels.setdefault(rid(child(chunk, 'commandBuffer')), []).append(child(child(chunk, 'Label'), 'pLabelName').AsString())
        elif name == 'vkCmdEndDebugUtilsLabelEXT':
            labels[rid(child(chunk, 'commandBuffer'))].pop()
        elif name == 'vkCmdBindPipeline':
            bound[rid(child(chunk, 'commandBuffer'))] = rid(child(chunk, 'pipeline'))
        elif name.startswith('vkCmdDispatch'):
            cb = rid(child(chunk, 'commandBuffer'))
            pipeline = bound.get(cb)
            out.append(('/'.join(labels.get(cb, [])) or '-', names.get(pipeline, f'unnamed pipeline {pipeline}')))
    version = rd.GetVersionString()
    cap.Shutdown()
    rd.ShutdownReplay()
    return out, version


def one_step(lines):
    """The first training step: from the first 'forward' dispatch to the last dispatch before the next
    'forward' that follows an 'adam' one."""
    start = next((i for i, (label, _) in enumerate(lines) if label.split('/')[-1].startswith('forward')), None)
    if start is None:
        return []
    seen_adam = False
    for i in range(start, len(lines)):
        last = lines[i][0].split('/')[-1]
        if last.startswith('adam'):
            seen_adam = True
        elif seen_adam:
            return lines[start:i]
    return lines[start:] if seen_adam else []


def main():
    capture, out_path, log_path = sys.argv[1:4]
    got, version = dispatches(capture)
    with open(log_path) as f:
        want = [tuple(line.rstrip('\n').split('\t', 1)) for line in f if line.strip()]
    step = one_step(got)
    with open(out_path, 'w') as f:
        f.write(f'# {capture}: one training step as RenderDoc {version} read it (no replay); labels<TAB>pipeline\n')
        for k, (label, pipeline) in enumerate(step):
            f.write(f'{k}\t{label}\t{pipeline}\n')
    print(f'renderdoc-dispatches: {len(got)} dispatches in the capture, {len(want)} in lyap\'s log; one step: {len(step)}')
    for k, (label, pipeline) in enumerate(step):
        print(f'  {k:2d}  {label:<12s} {pipeline}')
    problems = []
    if not got:
        problems.append('the capture holds no dispatch')
    if not step:
        problems.append('no complete training step (forward ... adam) in the capture')
    if got != want:
        k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        problems.append(f'the capture\'s dispatches differ from lyap\'s log at dispatch {k}: '
                        f'capture {got[k] if k < len(got) else "(end)"}, lyap {want[k] if k < len(want) else "(end)"}')
    if one_step(want) != step:
        problems.append('the first training step differs from lyap\'s')
    unnamed = sorted({p for _, p in got if p.startswith('unnamed')})
    if unnamed:
        problems.append(f'dispatches without a pipeline name: {unnamed}')
    if problems:
        print('renderdoc-dispatches: FAILED: ' + '; '.join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
