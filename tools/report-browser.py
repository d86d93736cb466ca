"""Renders a lyap report.html in headless Chromium through the DevTools protocol (over --remote-debugging-pipe,
so only the standard library is needed) and checks what the browser drew.

    python3 tools/report-browser.py REPORT.html SCREENSHOT.png [CHROMIUM]

For every <figure> of the report: the inline SVG's rendered box is non-empty, it has plotted elements
(polylines, circles, heatmap cells, pixel paths, bands) with a non-empty rendered box, and its x and y
axis labels are rendered non-empty text. Then a full-page screenshot is saved and its pixels must not be
blank, over the whole page and inside each figure's box (several colours, some not white). Prints one line per figure; exits 1 on any failure.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib

TIMEOUT_S = 60

# Runs in the page: each figure's rendered geometry, read from the live DOM after layout.
PROBE = r"""
(() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const drawn = e => { const [w, h] = box(e); return w > 0 || h > 0; };
  const plotted = 'g.series polyline, g.series circle, g.scatter circle, g.scatter path, rect.cell, path.cells, rect.band, g.cells rect';
  return JSON.stringify([...document.querySelectorAll('figure')].map(f => {
    const svg = f.querySelector('svg');
    const label = c => [...f.querySelectorAll('text.' + c)].filter(t => t.textContent.trim() !== '' && drawn(t)).map(t => t.textContent.trim());
    const elements = svg ? [...svg.querySelectorAll(plotted)] : [];
    return {
      id: f.id, heading: (f.querySelector('h2') || {}).textContent || '',
      svg: svg ? box(svg) : [0, 0],
      at: svg ? (r => [r.left + window.scrollX, r.top + window.scrollY])(svg.getBoundingClientRect()) : [0, 0],
      plotted: elements.length, plottedDrawn: elements.filter(drawn).length,
      xlabel: label('xlabel'), ylabel: label('ylabel'),
    };
  }));
})()
"""


class DevTools:
    """The DevTools protocol over Chromium's pipe: NUL-terminated JSON messages on fds 3 (in) and 4 (out)."""

    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        def fds():
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)  # the pipes may sit on fds 3 or 4 themselves
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [chromium, '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
             '--hide-scrollbars', '--remote-debugging-pipe', '--user-data-dir=' + profile, 'about:blank'],
            preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b''
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            message['sessionId'] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b'\0')
        want = self.next_id
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self.receive(deadline, f'the reply to {method}')
            if reply.get('id') == want:
                if 'error' in reply:
                    raise RuntimeError(f'{method}: {reply["error"]}')
                return reply['result']
            self.events.append(reply)

    def receive(self, deadline, what):
        import select
        while b'\0' not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise RuntimeError(f'timed out after {TIMEOUT_S}s waiting for {what}')
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError(f'Chromium closed the pipe ({self.proc.stderr.read().decode(errors="replace")[-500:]})')
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b'\0', 1)
        return json.loads(message)

    def wait_event(self, method, session):
        deadline = time.monotonic() + TIMEOUT_S
        for e in self.events:
            if e.get('method') == method and e.get('sessionId') == session:
                return e
        while True:
            e = self.receive(deadline, method)
            if e.get('method') == method and e.get('sessionId') == session:
                return e

    def close(self):
        try:
            self.send('Browser.close')
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def png_pixels(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA non-interlaced PNG."""
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat = 8, b''
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, f'unsupported PNG (depth {depth}, colour {colour})'
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    bpp = 4 if colour == 6 else 3
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    report, screenshot = os.path.abspath(sys.argv[1]), sys.argv[2]
    chromium = sys.argv[3] if len(sys.argv) > 3 else 'chromium'
    failures = []
    with tempfile.TemporaryDirectory(prefix='lyap-chromium-') as profile:
        dt = DevTools(chromium, profile)
        try:
            targets = dt.send('Target.getTargets')['targetInfos']
            page = next(t['targetId'] for t in targets if t['type'] == 'page')
            session = dt.send('Target.attachToTarget', {'targetId': page, 'flatten': True})['sessionId']
            dt.send('Page.enable', session=session)
            dt.send('Emulation.setDeviceMetricsOverride', {'width': 1280, 'height': 900, 'deviceScaleFactor': 1, 'mobile': False}, session)
            dt.send('Page.navigate', {'url': 'file://' + report}, session)
            dt.wait_event('Page.loadEventFired', session)
            result = dt.send('Runtime.evaluate', {'expression': PROBE, 'returnByValue': True}, session)['result']
            figures = json.loads(result['value'])
            height = dt.send('Runtime.evaluate', {'expression': 'document.documentElement.scrollHeight', 'returnByValue': True}, session)['result']['value']
            dt.send('Emulation.setDeviceMetricsOverride', {'width': 1280, 'height': int(height), 'deviceScaleFactor': 1, 'mobile': False}, session)
            shot = dt.send('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True}, session)['data']
            version = dt.send('Browser.getVersion')['product']
        finally:
            dt.close()
    import base64
    png = base64.b64decode(shot)
    with open(screenshot, 'wb') as f:
        f.write(png)

    if not figures:
        failures.append('the report has no <figure>')
    for fig in figures:
        problems = []
        if not (fig['svg'][0] > 0 and fig['svg'][1] > 0):
            problems.append(f'SVG rendered {fig["svg"][0]}x{fig["svg"][1]}')
        if fig['plottedDrawn'] == 0:
            problems.append(f'no plotted element drawn ({fig["plotted"]} in the DOM)')
        if not fig['xlabel']:
            problems.append('no x axis label drawn')
        if not fig['ylabel']:
            problems.append('no y axis label drawn')
        status = 'FAILED: ' + '; '.join(problems) if problems else 'ok'
        print(f'report-browser: {fig["id"]}: {fig["svg"][0]:.0f}x{fig["svg"][1]:.0f} px, {fig["plottedDrawn"]}/{fig["plotted"]} plotted elements drawn, '
              f'x "{"; ".join(fig["xlabel"])}", y "{"; ".join(fig["ylabel"])}": {status}')
        if problems:
            failures.append(f'{fig["id"]}: ' + '; '.join(problems))

    w, h, bpp, rows = png_pixels(png)

    def ink(x0, y0, x1, y1):
        colours, white, total = set(), 0, 0
        for row in rows[max(0, int(y0)):min(h, int(y1)):2]:
            for i in range(max(0, int(x0)) * bpp, min(w, int(x1)) * bpp, 2 * bpp):
                px = bytes(row[i:i + 3])
                colours.add(px)
                white += px == b'\xff\xff\xff'
                total += 1
        return len(colours), (1 - white / total) if total else 0.0

    for fig in figures:
        (x, y), (fw, fh) = fig['at'], fig['svg']
        n, inked = ink(x, y, x + fw, y + fh)
        print(f'report-browser: {fig["id"]}: screenshot pixels in its box: {n} colours, {inked:.1%} not white')
        if n < 3 or inked < 0.005:
            failures.append(f'{fig["id"]}: blank in the screenshot ({n} colours, {inked:.2%} not white)')
    n, inked = ink(0, 0, w, h)
    print(f'report-browser: screenshot {screenshot}: {w}x{h} px, {n} colours, {inked:.1%} of sampled pixels not white ({version})')
    if n < 8 or inked < 0.001:
        failures.append(f'the screenshot is blank ({n} colours, {inked:.2%} not white)')
    if failures:
        print('report-browser: FAILED: ' + ' | '.join(failures), file=sys.stderr)
        sys.exit(1)
    print(f'report-browser: {len(figures)} figures drawn')


if __name__ == '__main__':
    main()
