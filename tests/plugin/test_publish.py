"""feremotionpublish against a real broker: Debian's mosquitto, started here on 127.0.0.1 with a free
port and stopped at the end. One message a frame equal to results-file's lines; the broker stopped
mid-run and started again (QoS 1, a queue large enough: every frame once and in order, apart from
the broker's own flagged redeliveries of what it had already sent; a tiny queue:
the drops equal the reported count); two processes publishing two streams to one subscriber; bad
settings (unreachable broker, bad port, wildcard topic, missing TLS files) said clearly, no crash."""
import getpass
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from checks import check, exit_code

PLUGIN_DIR, FER_DEBUG, SYNTH = sys.argv[1], sys.argv[2], sys.argv[3]
SKIP = 77
FRAMES = 150  # 5 s at 30 fps


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """mosquitto on 127.0.0.1:port, persistent (a subscriber's session survives a restart, as on a
    deployed broker)."""

    def __init__(self, binary, tmp, port):
        self.binary, self.port, self.dir = binary, port, os.path.join(tmp, f"broker-{port}")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            # Run as whoever runs the test: started as root, mosquitto would switch to its own user, which
            # cannot write the persistence file here.
            f.write(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {self.dir}/\nmax_queued_messages 100000\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "-c", self.conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Subscriber:
    """mosquitto_sub with a persistent session at QoS 1; payload lines collected from its output."""

    def __init__(self, tmp, port, topic, name):
        self.out = os.path.join(tmp, f"sub-{name}.txt")
        self.proc = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-q", "1",
                                      "-c", "-i", f"test-{name}", "-d"], stdout=open(self.out, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while "SUBACK" not in open(self.out).read() and time.time() < deadline:
            time.sleep(0.05)

    def deliveries(self):
        """(message, dup flag, packet id) per payload: mosquitto_sub -d names each PUBLISH before it."""
        out, flags = [], (False, None)
        for line in open(self.out):
            m = re.match(r"Client \S+ received PUBLISH \(d(\d), q\d, r\d, m(\d+),", line)
            if m:
                flags = (m.group(1) == "1", int(m.group(2)))
            elif line.startswith("{"):
                out.append((json.loads(line), *flags))
        return out

    def messages(self):
        """The messages, less the broker's own redeliveries: QoS 1 is at-least-once on the broker's
        leg too, and a broker stopped before it read the subscriber's acknowledgement sends that
        message again after it restarts, flagged DUP with the same packet id."""
        kept, last = [], {}
        for msg, dup, mid in self.deliveries():
            if dup and last.get(mid) == msg:
                continue
            last[mid] = msg
            kept.append(msg)
        return kept

    def redeliveries(self):
        return len(self.deliveries()) - len(self.messages())

    def wait_for(self, n, timeout=15):
        deadline = time.time() + timeout
        while len(self.messages()) < n and time.time() < deadline:
            time.sleep(0.1)
        return self.messages()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def gst_launch(pipeline, wait=True):
    env = dict(os.environ, GST_PLUGIN_PATH=PLUGIN_DIR)
    p = subprocess.Popen(["gst-launch-1.0", "-m"] + pipeline.split(), env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if not wait:
        return p
    out, _ = p.communicate(timeout=120)
    return p.returncode, out


def stats(output):
    """The element's final statistics message (gst-launch -m prints it)."""
    m = re.search(r"feremotionpublish, stream-id=\(string\)(\S+), published=\(guint64\)(\d+), dropped=\(guint64\)(\d+), "
                  r"undelivered=\(guint64\)(\d+)", output)
    return None if not m else {"stream": m.group(1), "published": int(m.group(2)), "dropped": int(m.group(3)),
                               "undelivered": int(m.group(4))}


def main():
    broker_bin = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
    if not broker_bin or not shutil.which("mosquitto_sub"):
        print("SKIP: Debian's mosquitto and mosquitto-clients are not installed (scripts/test.sh installs them)")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="fer-publish-")
    model, video = os.path.join(tmp, "m.pth"), os.path.join(tmp, "faces.avi")
    subprocess.run([FER_DEBUG, "create", "resnet18", "64", model], check=True)
    subprocess.run([SYNTH, "video", "--out", video, "--frames", str(FRAMES), "--faces", "2"], check=True,
                   stdout=subprocess.DEVNULL)
    source = f"filesrc location={video} ! avidemux ! jpegdec ! feremotion model={model}"
    port = free_port()
    broker = Broker(broker_bin, tmp, port)
    broker.start()
    try:
        # 1. One message a frame, equal to results-file's lines; the file method writes the same messages.
        results, published_file = os.path.join(tmp, "results.jsonl"), os.path.join(tmp, "published.jsonl")
        sub = Subscriber(tmp, port, "t1", "basic")
        rc, out = gst_launch(f"{source} results-file={results} ! feremotionpublish method=file file-path={published_file} "
                             f"stream-id=cam1 ! feremotionpublish method=mqtt host=127.0.0.1 port={port} topic=t1 "
                             f"stream-id=cam1 ! fakesink")
        got = sub.wait_for(FRAMES)
        sub.stop()
        lines = [json.loads(l) for l in open(results)]
        check(rc == 0 and len(lines) == FRAMES, f"pipeline ran, results-file has {len(lines)} lines")
        check(len(got) == FRAMES and all(m["stream"] == "cam1" for m in got), f"subscriber got {len(got)} messages of stream cam1")
        check([{k: v for k, v in m.items() if k != "stream"} for m in got] == lines,
              "each message equals results-file's line for its frame (plus the stream id)")
        check(sum(len(m["faces"]) for m in got) > FRAMES, "the messages carry the faces (more than one a frame)")
        check([json.loads(l) for l in open(published_file)] == got, "method=file writes the same messages as JSON lines")
        check(stats(out) == {"stream": "cam1", "published": FRAMES, "dropped": 0, "undelivered": 0},
              f"final statistics: {FRAMES} published, none dropped ({stats(out)})")

        # 2. The broker stops mid-run and comes back: QoS 1 and the default queue lose nothing, repeat nothing.
        def outage_run(name, extra, down_s):
            sub = Subscriber(tmp, port, f"t-{name}", name)
            p = gst_launch(f"{source} ! feremotionpublish method=mqtt host=127.0.0.1 port={port} topic=t-{name} "
                           f"stream-id={name} {extra} ! fakesink sync=true", wait=False)
            time.sleep(1.5)
            broker.stop()
            time.sleep(down_s)
            broker.start()
            out, _ = p.communicate(timeout=120)
            s = stats(out)
            got = sub.wait_for(FRAMES - (s["dropped"] if s else 0))
            sub.stop()
            print(f"{name}: the broker redelivered {sub.redeliveries()} message(s) it had sent before it stopped (flagged DUP)")
            return p.returncode, out, s, [m["frame"] for m in got]

        rc, out, s, frames = outage_run("restart", "qos=1", 1.5)
        check("Lost the MQTT broker" in out, "the outage was seen (a warning)")
        check(rc == 0 and frames == list(range(FRAMES)), f"after the restart: every frame once, in order ({len(frames)} messages)")
        check(s == {"stream": "restart", "published": FRAMES, "dropped": 0, "undelivered": 0}, f"statistics: {s}")

        rc, out, s, frames = outage_run("tiny", "qos=1 max-queue=5", 2.0)
        check(s is not None and s["dropped"] > 0 and s["undelivered"] == 0, f"a queue of 5 drops during a 2 s outage ({s})")
        check(frames == sorted(set(frames)), "what arrives is in order, each once")
        check(s is not None and len(frames) == FRAMES - s["dropped"] and s["published"] == len(frames),
              f"received {len(frames)} = {FRAMES} - {s and s['dropped']} dropped (the reported count)")
        warnings = out.count("The MQTT queue is full")
        check(1 <= warnings <= 4, f"the overflow is warned about at most once a second ({warnings} warnings)")

        # 3. Two processes ("machines") publish to one broker under different stream ids.
        sub = Subscriber(tmp, port, "floor/#", "floor")
        procs = [gst_launch(f"{source} ! feremotionpublish method=mqtt host=127.0.0.1 port={port} topic=floor/{cam} "
                            f"stream-id={cam} ! fakesink", wait=False) for cam in ("cam-a", "cam-b")]
        for p in procs:
            p.communicate(timeout=120)
        got = sub.wait_for(2 * FRAMES)
        sub.stop()
        by_stream = {cam: [m["frame"] for m in got if m["stream"] == cam] for cam in ("cam-a", "cam-b")}
        check(all(f == list(range(FRAMES)) for f in by_stream.values()) and len(got) == 2 * FRAMES,
              f"one subscriber gets both streams complete ({ {k: len(v) for k, v in by_stream.items()} })")

        # 4. Bad settings: said, no crash.
        nowhere = free_port()
        rc, out = gst_launch(f"{source} ! feremotionpublish method=mqtt host=127.0.0.1 port={nowhere} drain-timeout=200 ! fakesink")
        s = stats(out)
        check(rc == 0 and f"cannot reach the MQTT broker at 127.0.0.1:{nowhere}" in out,
              "unreachable broker at start: a warning naming it, the pipeline runs to the end")
        check(s is not None and s["undelivered"] == FRAMES and s["published"] == 0,
              f"... and the queue holds every frame, reported as undelivered ({s})")
        rc, out = gst_launch("videotestsrc num-buffers=5 ! feremotionpublish method=mqtt port=70000 drain-timeout=0 ! fakesink")
        check(rc >= 0 and "out of range for property 'port'" in out, "port 70000: GObject names the property and its range")
        for setting, said in [("topic=a/#/b", "cannot be published to"), ('topic=""', "cannot be published to"),
                              ('host=""', "host is empty"),
                              (f"tls-ca-file={tmp}/missing-ca.pem", "missing-ca.pem' cannot be read"),
                              (f"tls-ca-file={results} tls-cert-file={tmp}/c.pem", "c.pem' cannot be read")]:
            rc, out = gst_launch(f"videotestsrc num-buffers=5 ! feremotionpublish method=mqtt port={port} {setting} ! fakesink")
            check(rc != 0 and said in out and "ERROR" in out, f"{setting}: an error at start saying '{said}' (exit {rc})")
        rc, out = gst_launch("videotestsrc num-buffers=5 ! feremotionpublish method=file ! fakesink")
        check(rc != 0 and "No file-path set" in out, "method=file without file-path: an error naming it")
    finally:
        broker.stop()
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
