package dev.myelin.nn.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The Myelin file container that {@link ModelFile} and {@link Checkpoint} write: a 16-byte file
 * header, then tagged sections, each with a CRC-32C and a length; see {@link ModelFile} for the
 * byte layout. Writers go through {@link AtomicFile}; readers check the magic, the version, every
 * section's bounds (truncation) and, when a section is read, its checksum (corruption).
 */
final class Container {
    private Container() {}

    static final byte[] MAGIC = {'M', 'Y', 'E', 'L', 'I', 'N', 0};
    /** The format version this code writes, and the newest it reads. */
    static final int FORMAT_VERSION = 1;
    static final int FILE_HEADER_BYTES = 16, SECTION_HEADER_BYTES = 16;

    static final String WEIGHTS = "WGTS", ARCHITECTURE = "ARCH", METADATA = "META", OPTIMIZER = "OPTM", TRAINING = "TRNS", END = "END ";

    /** A section: its tag, where its 16-byte header starts, where its payload starts, the payload's length and stored CRC-32C. */
    record Section(String tag, long offset, long payloadOffset, long length, int crc) {}

    /** Writes a payload of a length announced in advance. */
    interface Body {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    static boolean hasMagic(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // keep reading
            }
            return !b.hasRemaining() && Arrays.equals(b.array(), MAGIC);
        }
    }

    // ------------------------------------------------------------------ writing

    static final class Writer implements Closeable {
        private final AtomicFile file;
        private final FileChannel ch;

        Writer(Path target) throws IOException {
            this.file = AtomicFile.create(target);
            this.ch = file.channel();
            ByteBuffer h = ByteBuffer.allocate(FILE_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putShort((short) FORMAT_VERSION);   // then 7 reserved zero bytes
            h.position(0);
            try {
                SafeTensors.writeFully(ch, h);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }

        void section(String tag, byte[] payload) throws IOException {
            section(tag, payload.length, out -> SafeTensors.writeFully(out, ByteBuffer.wrap(payload)));
        }

        /** Writes a section header, then the body, which must write exactly {@code length} bytes, then patches in the CRC. */
        void section(String tag, long length, Body body) throws IOException {
            if (tag.length() != 4) throw new IllegalArgumentException("section tag must be 4 ASCII characters, got '" + tag + "'");
            long at = ch.position();
            ByteBuffer h = ByteBuffer.allocate(SECTION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            h.put(tag.getBytes(StandardCharsets.US_ASCII)).putInt(0).putLong(length).flip();
            SafeTensors.writeFully(ch, h);
            CrcChannel out = new CrcChannel(ch);
            body.writeTo(out);
            if (out.count != length) {
                throw new IllegalStateException("section '" + tag + "' announced " + length + " bytes but wrote " + out.count);
            }
            ByteBuffer crc = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) out.crc.getValue()).flip();
            while (crc.hasRemaining()) ch.write(crc, at + 4 + crc.position());
        }

        /** Ends the file, forces it to disk and moves it over the target. */
        void commit() throws IOException {
            section(END, new byte[0]);
            file.commit();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    /** Counts and checksums what passes through to the file. */
    private static final class CrcChannel implements WritableByteChannel {
        private final FileChannel inner;
        final CRC32C crc = new CRC32C();
        long count;

        CrcChannel(FileChannel inner) {
            this.inner = inner;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            ByteBuffer view = src.duplicate();
            int n = inner.write(src);
            view.limit(view.position() + n);
            crc.update(view);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() {
            // the writer owns the channel
        }
    }

    // ------------------------------------------------------------------ reading

    static final class Reader implements Closeable {
        private final Path path;
        private final FileChannel ch;
        private final int version;
        private final Map<String, Section> sections = new LinkedHashMap<>();

        private Reader(Path path, FileChannel ch, int version) {
            this.path = path;
            this.ch = ch;
            this.version = version;
        }

        static Reader open(Path path) throws IOException {
            FileChannel ch;
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(path.toString(), null, "no such model file");
            }
            try {
                Reader r = new Reader(path, ch, readHeader(path, ch));
                r.scan();
                return r;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        private static int readHeader(Path path, FileChannel ch) throws IOException {
            long size = ch.size();
            ByteBuffer h = ByteBuffer.allocate((int) Math.min(FILE_HEADER_BYTES, size)).order(ByteOrder.LITTLE_ENDIAN);
            while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {
                // keep reading
            }
            byte[] start = Arrays.copyOf(h.array(), h.position());
            int m = Math.min(start.length, MAGIC.length);
            if (!Arrays.equals(Arrays.copyOf(start, m), Arrays.copyOf(MAGIC, m)) || (size == 0)) {
                throw new ModelFileException(path, "not a Myelin model file: it starts with " + describe(start)
                        + ", expected the magic bytes 4D 59 45 4C 49 4E 00 (\"MYELIN\\0\")" + guess(start));
            }
            if (size < FILE_HEADER_BYTES) {
                throw new ModelFileException(path, "truncated at byte offset " + size + ": a Myelin file starts with a "
                        + FILE_HEADER_BYTES + "-byte header (magic and format version)");
            }
            h.flip();
            int version = Short.toUnsignedInt(h.getShort(MAGIC.length));
            if (version == 0) throw new ModelFileException(path, "corrupt: format version 0 at byte offset 7; versions start at 1");
            if (version > FORMAT_VERSION) {
                throw new ModelFileException(path, "written in Myelin file format version " + version + ", but this Myelin ("
                        + ModelFile.myelinVersion() + ") reads format versions 1 to " + FORMAT_VERSION + "; load it with a newer Myelin");
            }
            return version;
        }

        private static String describe(byte[] b) {
            if (b.length == 0) return "nothing (the file is empty)";
            StringBuilder hex = new StringBuilder(), text = new StringBuilder();
            for (int i = 0; i < Math.min(b.length, 8); i++) {
                hex.append(String.format("%02X ", b[i] & 0xFF));
                text.append(b[i] >= 32 && b[i] < 127 ? (char) b[i] : '.');
            }
            return "the bytes " + hex.toString().trim() + " (\"" + text + "\")";
        }

        private static String guess(byte[] b) {
            if (b.length >= 2 && b[0] == 'P' && b[1] == 'K') return " (this looks like a zip archive, such as a Keras .keras file)";
            if (b.length >= 9 && b[8] == '{') return " (this looks like a safetensors file: read it with SafeTensors.load or ModelFile.loadWeights)";
            if (b.length >= 4 && b[1] == 'H' && b[2] == 'D' && b[3] == 'F') return " (this looks like an HDF5 file, such as a Keras .h5 file)";
            return "";
        }

        private void scan() throws IOException {
            long size = ch.size(), pos = FILE_HEADER_BYTES;
            String last = "the file header";
            while (true) {
                if (size - pos < SECTION_HEADER_BYTES) {
                    throw new ModelFileException(path, "truncated at byte offset " + size + ": expected a " + SECTION_HEADER_BYTES
                            + "-byte section header at byte offset " + pos + " (after " + last + "), and the file has no END section");
                }
                ByteBuffer h = ByteBuffer.allocate(SECTION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                while (h.hasRemaining()) {
                    if (ch.read(h, pos + h.position()) < 0) throw new ModelFileException(path, "truncated at byte offset " + (pos + h.position()));
                }
                h.flip();
                byte[] t = new byte[4];
                h.get(t);
                for (byte c : t) {
                    if (c < 32 || c > 126) {
                        throw new ModelFileException(path, "corrupt: the section header at byte offset " + pos
                                + " has a tag that is not 4 ASCII characters (" + describe(t) + ")");
                    }
                }
                String tag = new String(t, StandardCharsets.US_ASCII);
                int crc = h.getInt();
                long length = h.getLong();
                long payload = pos + SECTION_HEADER_BYTES;
                if (length < 0 || length > size - payload) {
                    throw new ModelFileException(path, "truncated: section '" + tag + "' at byte offset " + pos + " declares "
                            + Long.toUnsignedString(length) + " bytes of payload from byte offset " + payload
                            + ", but the file ends at byte offset " + size);
                }
                if (sections.containsKey(tag)) {
                    throw new ModelFileException(path, "corrupt: section '" + tag + "' appears twice (byte offsets "
                            + sections.get(tag).offset() + " and " + pos + ")");
                }
                Section s = new Section(tag, pos, payload, length, crc);
                sections.put(tag, s);
                pos = payload + length;
                last = "section '" + tag + "'";
                if (tag.equals(END)) break;
            }
            if (pos != size) {
                throw new ModelFileException(path, "corrupt: " + (size - pos) + " bytes follow the END section at byte offset " + pos + "; expected none");
            }
        }

        Path path() {
            return path;
        }

        int version() {
            return version;
        }

        Section find(String tag) {
            return sections.get(tag);
        }

        /** The section, or an error saying what it is needed for. */
        Section require(String tag, String holding) throws ModelFileException {
            Section s = sections.get(tag);
            if (s == null) {
                throw new ModelFileException(path, "has no '" + tag + "' section (" + holding + "); sections present: " + sections.keySet());
            }
            return s;
        }

        /** The payload, checksum verified. */
        byte[] bytes(Section s) throws IOException {
            if (s.length() > Integer.MAX_VALUE - 16) {
                throw new ModelFileException(path, "section '" + s.tag() + "' holds " + s.length() + " bytes, too many to read as one block");
            }
            CRC32C crc = new CRC32C();
            byte[] b = region(s, crc).readBytes((int) s.length(), "section '" + s.tag() + "'");
            checkCrc(s, crc);
            return b;
        }

        Map<String, Object> json(Section s) throws IOException {
            return Json.readObject(bytes(s), path, "section '" + s.tag() + "' at byte offset " + s.offset());
        }

        /** The payload as a safetensors blob, checksum verified. */
        SafeTensors.Contents safetensors(Section s) throws IOException {
            CRC32C crc = new CRC32C();
            SafeTensors.Contents c;
            try {
                c = SafeTensors.read(region(s, crc));
            } catch (ModelFileException e) {
                // A bad blob inside a section with a wrong checksum is corruption; say so first.
                CRC32C whole = new CRC32C();
                Region all = region(s, whole);
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                while (all.remaining() > 0) {
                    buf.clear().limit((int) Math.min(buf.capacity(), all.remaining()));
                    all.readFully(buf, "section '" + s.tag() + "'");
                }
                if ((int) whole.getValue() != s.crc()) throw corrupt(s, whole, e);
                throw e;
            }
            checkCrc(s, crc);
            return c;
        }

        /** Copies the payload to {@code out}, checksum verified before returning. */
        void copyTo(Section s, WritableByteChannel out) throws IOException {
            CRC32C crc = new CRC32C();
            Region r = region(s, crc);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (r.remaining() > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), r.remaining()));
                r.readFully(buf, "section '" + s.tag() + "'");
                buf.flip();
                SafeTensors.writeFully(out, buf);
            }
            checkCrc(s, crc);
        }

        private Region region(Section s, CRC32C crc) {
            return new Region(ch, path, s.payloadOffset(), s.length(), "section '" + s.tag() + "'", crc);
        }

        private void checkCrc(Section s, CRC32C crc) throws ModelFileException {
            if ((int) crc.getValue() != s.crc()) throw corrupt(s, crc, null);
        }

        private ModelFileException corrupt(Section s, CRC32C crc, Throwable cause) {
            return new ModelFileException(path, String.format("corrupt: section '%s' at byte offset %d (%d bytes) has CRC-32C %08x, but its header records %08x",
                    s.tag(), s.offset(), s.length(), (int) crc.getValue(), s.crc()), cause);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
