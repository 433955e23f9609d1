package dev.myelin.nn.callbacks;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes a TensorBoard event file: TFRecord framing around serialized {@code tensorflow.Event}
 * protobufs, the first holding {@code file_version = "brain.Event:2"}, the others one scalar
 * summary each step. Only the few protobuf fields TensorBoard needs for scalars are encoded:
 *
 * <pre>
 * Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 * Summary { repeated Value value = 1; }
 * Value   { string tag = 1; float simple_value = 2; }
 * </pre>
 *
 * A record is {@code uint64 length, uint32 masked_crc32c(length), byte[length] data,
 * uint32 masked_crc32c(data)}, all little-endian.
 */
final class EventFileWriter implements Closeable {
    static final String FILE_VERSION = "brain.Event:2";
    private static final int MASK_DELTA = 0xa282ead8;

    private final Path file;
    private final OutputStream out;

    private EventFileWriter(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Creates {@code dir} if needed and a new file in it named as TensorFlow names them,
     * {@code events.out.tfevents.<unix seconds>.<host>.<pid>.v2} (with a counter before ".v2" if
     * that name is taken), and writes the file-version record.
     */
    static EventFileWriter open(Path dir, double wallTime) throws IOException {
        Files.createDirectories(dir);
        String stem = "events.out.tfevents." + (long) wallTime + "." + hostName() + "." + ProcessHandle.current().pid();
        for (int n = 0; ; n++) {
            Path file = dir.resolve(n == 0 ? stem + ".v2" : stem + "." + n + ".v2");
            OutputStream os;
            try {
                os = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            EventFileWriter w = new EventFileWriter(file, new BufferedOutputStream(os));
            try {
                w.writeRecord(event(wallTime, 0, FILE_VERSION, Map.of()));
                w.flush();
            } catch (IOException e) {
                w.close();
                throw e;
            }
            return w;
        }
    }

    Path file() {
        return file;
    }

    /** One event at {@code step} with a scalar summary of {@code values} (tag to value), in map order. */
    void writeScalars(double wallTime, long step, Map<String, Float> values) throws IOException {
        writeRecord(event(wallTime, step, null, values));
    }

    void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void writeRecord(byte[] data) throws IOException {
        byte[] length = new byte[8];
        putLittleEndian(length, 0, data.length, 8);
        byte[] lengthCrc = new byte[4], dataCrc = new byte[4];
        putLittleEndian(lengthCrc, 0, maskedCrc32c(length), 4);
        putLittleEndian(dataCrc, 0, maskedCrc32c(data), 4);
        out.write(length);
        out.write(lengthCrc);
        out.write(data);
        out.write(dataCrc);
    }

    /** The CRC-32C of {@code bytes}, rotated right by 15 bits plus a constant, as TFRecord stores it. */
    static int maskedCrc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /** A serialized Event; {@code fileVersion} may be null, {@code values} empty (then no summary). */
    static byte[] event(double wallTime, long step, String fileVersion, Map<String, Float> values) {
        Proto e = new Proto();
        e.fixed64(1, Double.doubleToRawLongBits(wallTime));
        if (step != 0) e.varintField(2, step); // proto3 leaves a default-valued field out
        if (fileVersion != null) e.bytes(3, fileVersion.getBytes(StandardCharsets.UTF_8));
        if (!values.isEmpty()) {
            Proto summary = new Proto();
            for (var v : values.entrySet()) {
                Proto value = new Proto();
                value.bytes(1, v.getKey().getBytes(StandardCharsets.UTF_8));
                value.fixed32(2, Float.floatToRawIntBits(v.getValue()));
                summary.bytes(1, value.toByteArray());
            }
            e.bytes(5, summary.toByteArray());
        }
        return e.toByteArray();
    }

    private static void putLittleEndian(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    /** The host name, with anything but letters, digits, '.', '-' and '_' replaced, for a file name. */
    private static String hostName() {
        String h;
        try {
            h = InetAddress.getLocalHost().getHostName();
        } catch (IOException | SecurityException e) {
            h = "localhost";
        }
        return h.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The protobuf wire format, the few encodings used here: varint (0), 64-bit (1), length-delimited (2), 32-bit (5). */
    private static final class Proto {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                b.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            b.write((int) v);
        }

        private void key(int field, int wireType) {
            varint(((long) field << 3) | wireType);
        }

        void varintField(int field, long v) {
            key(field, 0);
            varint(v);
        }

        void fixed64(int field, long v) {
            key(field, 1);
            for (int i = 0; i < 8; i++) b.write((int) (v >>> (8 * i)));
        }

        void bytes(int field, byte[] data) {
            key(field, 2);
            varint(data.length);
            b.writeBytes(data);
        }

        void fixed32(int field, int v) {
            key(field, 5);
            for (int i = 0; i < 4; i++) b.write(v >>> (8 * i));
        }

        byte[] toByteArray() {
            return b.toByteArray();
        }
    }
}
