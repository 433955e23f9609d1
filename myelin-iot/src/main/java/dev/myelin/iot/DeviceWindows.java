package dev.myelin.iot;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Per-device state with bounded memory: a ring of the last {@code size} readings of each device,
 * kept in least-recently-heard-from order. A device silent for longer than the idle time-out is
 * evicted by {@link #evictIdle}; a new device beyond {@code maxDevices} evicts the one heard from
 * least recently. Not thread-safe: the bridge calls it from its one intake thread.
 *
 * <p>Memory per device: {@code size * (4 * features + 8)} bytes of ring plus a constant
 * ({@link #bytesPerDevice()} estimates both), so the whole store stays below
 * {@code maxDevices * bytesPerDevice()}.
 */
final class DeviceWindows {
    /** One device's readings and the work in flight for it. */
    static final class Device {
        final String id;
        final float[] ring;          // (size, features), row (count % size) is written next
        final double[] times;        // (size,)
        long count;                  // readings accepted
        double lastTime = Double.NEGATIVE_INFINITY;
        long lastSeenNanos;
        /** Completes when everything queued for this device so far is published (or has failed and been reported). */
        CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
        /** Per alert rule: windows in a row where it held, and whether it may fire (re-armed when it stops holding). */
        final int[] runs;
        final boolean[] fired;
        /** True until the bridge has linked a new device to work still pending from an earlier, evicted state of it. */
        boolean fresh = true;
        /** The prediction topic for this device, built (and validated) once on its first prediction rather than per message. */
        com.hivemq.client.mqtt.datatypes.MqttTopic outputTopic;

        Device(String id, int size, int features, int rules) {
            this.id = id;
            this.ring = new float[size * features];
            this.times = new double[size];
            this.runs = new int[rules];
            this.fired = new boolean[rules];
        }
    }

    private final int size, stride, features, rules, maxDevices;
    private final long idleNanos;
    private final Consumer<Device> onEvict;
    private final LinkedHashMap<String, Device> devices = new LinkedHashMap<>(16, 0.75f, true); // access order: eldest first
    private long evicted;

    DeviceWindows(int size, int stride, int features, int rules, long idleNanos, int maxDevices, Consumer<Device> onEvict) {
        this.onEvict = onEvict;
        this.size = size;
        this.stride = stride;
        this.features = features;
        this.rules = rules;
        this.idleNanos = idleNanos;
        this.maxDevices = maxDevices;
    }

    /** The device's state, made (evicting the least recently heard-from device if full) when new; marks it seen now. */
    Device touch(String id, long nowNanos) {
        Device d = devices.get(id);
        if (d == null) {
            if (devices.size() >= maxDevices) {
                Iterator<Map.Entry<String, Device>> it = devices.entrySet().iterator();
                Device eldest = it.next().getValue();
                it.remove();
                evicted++;
                onEvict.accept(eldest);
            }
            d = new Device(id, size, features, rules);
            devices.put(id, d);
        }
        d.lastSeenNanos = nowNanos;
        return d;
    }

    /** Appends a reading; returns the window (size, features) it completes, or null (not full yet, or between strides). */
    float[] append(Device d, float[] values, double time) {
        int row = (int) (d.count % size);
        System.arraycopy(values, 0, d.ring, row * features, features);
        d.times[row] = time;
        d.count++;
        d.lastTime = time;
        if (d.count < size || (d.count - size) % stride != 0) return null;
        // oldest row first: rows count % size .. size - 1, then 0 .. count % size - 1
        float[] w = new float[size * features];
        int head = (int) (d.count % size);
        System.arraycopy(d.ring, head * features, w, 0, (size - head) * features);
        System.arraycopy(d.ring, 0, w, (size - head) * features, head * features);
        return w;
    }

    /** The time of the oldest reading of the window that the last {@link #append} completed. */
    double windowStart(Device d) {
        return d.times[(int) (d.count % size)];
    }

    /** Forgets devices silent since before {@code nowNanos - idle}; returns how many. */
    int evictIdle(long nowNanos) {
        int n = 0;
        Iterator<Device> it = devices.values().iterator();
        while (it.hasNext()) {
            Device d = it.next();
            if (nowNanos - d.lastSeenNanos < idleNanos) break; // the rest were heard from later
            it.remove();
            n++;
            onEvict.accept(d);
        }
        evicted += n;
        return n;
    }

    int count() {
        return devices.size();
    }

    // ------------------------------------------------------------------ state file

    /** "MYELINDW": Myelin device windows. */
    static final byte[] STATE_MAGIC = "MYELINDW".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final int STATE_VERSION = 1;

    /**
     * Writes every device's window, least recently heard from first. Layout (big-endian, as
     * DataOutput writes): magic, format version, the Myelin version that wrote it, then size,
     * stride, features, rules, the device count, and per device: id, readings accepted, last time,
     * ring (size, features) floats, times (size,) doubles, per rule its run and whether it fired.
     */
    void save(java.io.DataOutputStream out, String writer) throws java.io.IOException {
        out.write(STATE_MAGIC);
        out.writeInt(STATE_VERSION);
        out.writeUTF(writer);
        out.writeInt(size);
        out.writeInt(stride);
        out.writeInt(features);
        out.writeInt(rules);
        out.writeInt(devices.size());
        for (Device d : devices.values()) {
            out.writeUTF(d.id);
            out.writeLong(d.count);
            out.writeDouble(d.lastTime);
            for (float v : d.ring) out.writeFloat(v);
            for (double t : d.times) out.writeDouble(t);
            for (int r : d.runs) out.writeInt(r);
            for (boolean f : d.fired) out.writeBoolean(f);
        }
    }

    /**
     * Reads what {@link #save} wrote into this (empty) store, all devices marked heard from now;
     * beyond {@code maxDevices}, the least recently heard from are left out. Returns the devices
     * restored. A file for other windows (size, features or rules) is refused, saying which.
     */
    int load(java.io.DataInputStream in, String what, long nowNanos) throws java.io.IOException {
        byte[] magic = new byte[STATE_MAGIC.length];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, STATE_MAGIC)) throw new java.io.IOException(what + " is not a bridge state file (no MYELINDW magic)");
        int version = in.readInt();
        if (version != STATE_VERSION) throw new java.io.IOException(what + " has state format version " + version + "; this bridge reads version " + STATE_VERSION);
        String writer = in.readUTF();
        int fSize = in.readInt();
        in.readInt(); // the stride it had: the windows go on with this bridge's from the next reading
        int fFeatures = in.readInt(), fRules = in.readInt(), n = in.readInt();
        if (fSize != size || fFeatures != features || fRules != rules) {
            throw new java.io.IOException(what + " (written by " + writer + ") holds windows of " + fSize + " readings x " + fFeatures + " features with "
                    + fRules + " alert rules; this bridge keeps " + size + " x " + features + " with " + rules + "; delete it to start the windows anew");
        }
        int skip = Math.max(0, n - maxDevices);
        for (int i = 0; i < n; i++) {
            Device d = new Device(in.readUTF(), size, features, rules);
            d.count = in.readLong();
            d.lastTime = in.readDouble();
            for (int j = 0; j < d.ring.length; j++) d.ring[j] = in.readFloat();
            for (int j = 0; j < d.times.length; j++) d.times[j] = in.readDouble();
            for (int j = 0; j < rules; j++) d.runs[j] = in.readInt();
            for (int j = 0; j < rules; j++) d.fired[j] = in.readBoolean();
            d.lastSeenNanos = nowNanos;
            if (i >= skip) devices.put(d.id, d);
        }
        return devices.size();
    }

    long evicted() {
        return evicted;
    }

    /** Every device still held (for waiting on their work at shutdown). */
    Iterable<Device> all() {
        return devices.values();
    }

    /**
     * Estimated bytes held for one device: the ring and times arrays with their headers, the alert
     * counters, the object and its map entry (a compressed-oops 64-bit JVM), not the id string.
     */
    long bytesPerDevice() {
        long arrays = align(16 + 4L * size * features) + align(16 + 8L * size) + align(16 + 4L * rules) + align(16 + rules);
        long device = align(12 + 4 * 7 + 8 * 3 + 1); // header, 7 references, 3 longs/doubles, a boolean (the topic string is not counted)
        long entry = align(12 + 4 * 5 + 4) + 8;  // LinkedHashMap.Entry (before, after, key, value, next, hash) and its table slot
        long future = 24;                          // a completed CompletableFuture
        return arrays + device + entry + future;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
