package dev.myelin.data;

import dev.myelin.core.Tensor;
import dev.myelin.data.io.Wav;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class WavReaderTest {

    /** A WAV file written by hand: RIFF header, then each chunk as given (id, body), padded to even length. */
    static byte[] riff(Object... idsAndBodies) {
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (int i = 0; i < idsAndBodies.length; i += 2) {
            byte[] body = (byte[]) idsAndBodies[i + 1];
            chunks.writeBytes(((String) idsAndBodies[i]).getBytes(StandardCharsets.ISO_8859_1));
            chunks.writeBytes(le32(body.length));
            chunks.writeBytes(body);
            if ((body.length & 1) == 1) chunks.write(0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(le32(4 + chunks.size()));
        out.writeBytes("WAVE".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(chunks.toByteArray());
        return out.toByteArray();
    }

    static byte[] fmt(int format, int channels, int rate, int bits) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        int align = channels * bits / 8;
        b.putShort((short) format).putShort((short) channels).putInt(rate).putInt(rate * align).putShort((short) align).putShort((short) bits);
        return b.array();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putShort((short) x);
        return b.array();
    }

    static Path file(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void freeSpokenDigits() throws IOException {
        Path rec = CsvReaderTest.requireShared("fsdd/recordings");
        // Reference values from Python's wave module.
        Wav w = Wav.read(rec.resolve("0_jackson_0.wav"));
        assertEquals(8000, w.sampleRate());
        assertEquals(16, w.bitsPerSample());
        assertEquals(1, w.channelCount());
        assertEquals(5148, w.frames());
        assertArrayEquals(new float[]{-369 / 32768f, -431 / 32768f, -475 / 32768f, -543 / 32768f, -571 / 32768f},
                Arrays.copyOf(w.channels()[0], 5));
        float max = -2, min = 2;
        double energy = 0;
        for (float x : w.mono()) {
            max = Math.max(max, x);
            min = Math.min(min, x);
            energy += x * x;
        }
        assertEquals(24163 / 32768f, max);
        assertEquals(-21657 / 32768f, min);
        assertEquals(0.018712348037304555, energy / w.frames(), 1e-9);
        assertEquals(3536, Wav.read(rec.resolve("7_theo_42.wav")).frames());
        Tensor t = w.tensor();
        assertArrayEquals(new int[]{5148, 1}, t.shape());

        // All 3,000 recordings read; the standard split (index 0-4 test) has 300 test files.
        List<Path> all;
        try (Stream<Path> s = Files.list(rec)) {
            all = s.filter(p -> p.toString().endsWith(".wav")).toList();
        }
        assertEquals(3000, all.size());
        int test = 0;
        for (Path p : all) {
            Wav x = Wav.read(p);
            assertEquals(8000, x.sampleRate(), p.toString());
            assertTrue(x.frames() > 0, p.toString());
            String[] parts = p.getFileName().toString().replace(".wav", "").split("_");
            if (Integer.parseInt(parts[2]) < 5) test++;
        }
        assertEquals(300, test);
    }

    @Test
    void eightBitStereoAndMixdown(@TempDir Path dir) throws IOException {
        // Frames (L, R): (0, 255), (128, 64), (192, 128). 8-bit is unsigned around 128.
        byte[] data = {0, (byte) 255, (byte) 128, 64, (byte) 192, (byte) 128};
        Wav w = Wav.read(file(dir, "s8.wav", riff("fmt ", fmt(1, 2, 11025, 8), "data", data)));
        assertEquals(11025, w.sampleRate());
        assertEquals(2, w.channelCount());
        assertEquals(3, w.frames());
        assertArrayEquals(new float[]{-1, 0, 0.5f}, w.channels()[0]);
        assertArrayEquals(new float[]{127 / 128f, -0.5f, 0}, w.channels()[1]);
        assertArrayEquals(new float[]{(-1 + 127 / 128f) / 2, -0.25f, 0.25f}, w.mono());
        Tensor t = w.tensor();
        assertArrayEquals(new int[]{3, 2}, t.shape());
        assertEquals(127 / 128f, t.get(0, 1));
        assertEquals(3 / 11025.0, w.seconds(), 1e-12);
    }

    @Test
    void sixteenTwentyFourThirtyTwoBitAndFloat(@TempDir Path dir) throws IOException {
        Wav s16 = Wav.read(file(dir, "s16.wav", riff("fmt ", fmt(1, 1, 16000, 16), "data", shorts(-32768, 0, 16384, 32767))));
        assertArrayEquals(new float[]{-1, 0, 0.5f, 32767 / 32768f}, s16.channels()[0]);

        byte[] s24 = {0, 0, (byte) 0x80, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 0, 0x40}; // -2^23, 2^23 - 1, 2^22
        assertArrayEquals(new float[]{-1, 8388607 / 8388608f, 0.5f},
                Wav.read(file(dir, "s24.wav", riff("fmt ", fmt(1, 1, 8000, 24), "data", s24))).channels()[0]);

        ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MIN_VALUE).putInt(1 << 30);
        assertArrayEquals(new float[]{-1, 0.5f}, Wav.read(file(dir, "s32.wav", riff("fmt ", fmt(1, 1, 8000, 32), "data", i32.array()))).channels()[0]);

        ByteBuffer f32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f).putFloat(-1.5f);
        assertArrayEquals(new float[]{0.25f, -1.5f}, Wav.read(file(dir, "f32.wav", riff("fmt ", fmt(3, 1, 8000, 32), "data", f32.array()))).channels()[0]);

        // WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, and a LIST chunk of odd length (padded) before the data.
        ByteBuffer ext = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        ext.putShort((short) 0xFFFE).putShort((short) 1).putInt(22050).putInt(44100).putShort((short) 2).putShort((short) 16)
                .putShort((short) 22).putShort((short) 16).putInt(4).putShort((short) 1)
                .put(new byte[]{0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        Wav e = Wav.read(file(dir, "ext.wav", riff("fmt ", ext.array(), "LIST", "INFOabc".getBytes(StandardCharsets.ISO_8859_1), "data", shorts(8192))));
        assertEquals(22050, e.sampleRate());
        assertArrayEquals(new float[]{0.25f}, e.channels()[0]);
    }

    @Test
    void malformedFilesNameTheByteOffset(@TempDir Path dir) throws IOException {
        byte[] good = riff("fmt ", fmt(1, 1, 8000, 16), "data", shorts(1, 2, 3, 4, 5, 6, 7, 8));
        // Cut inside the data chunk: 44-byte header, 16 data bytes declared, 10 present.
        Path cut = file(dir, "cut.wav", Arrays.copyOf(good, 54));
        var e = assertThrows(IOException.class, () -> Wav.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated WAV file: chunk \"data\" at byte 36 declares 16 bytes of data from byte 44, but the file ends at byte 54"),
                e.getMessage());

        Path tiny = file(dir, "tiny.wav", Arrays.copyOf(good, 7));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(tiny)).getMessage().contains("7 bytes, expected at least the 12-byte RIFF header"));

        // Cut inside the fmt chunk header.
        Path cutHeader = file(dir, "cuthdr.wav", Arrays.copyOf(good, 16));
        var eh = assertThrows(IOException.class, () -> Wav.read(cutHeader));
        assertTrue(eh.getMessage().contains("a chunk header at byte 12 needs 8 bytes, only 4 remain"), eh.getMessage());

        Path notRiff = file(dir, "x.wav", "OggS0000WAVEjunk".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(notRiff)).getMessage().contains("bytes 0-3 are \"OggS\", expected \"RIFF\""));

        Path avi = file(dir, "a.wav", riff("fmt ", fmt(1, 1, 8000, 16)).clone());
        byte[] aviBytes = Files.readAllBytes(avi);
        System.arraycopy("AVI ".getBytes(StandardCharsets.ISO_8859_1), 0, aviBytes, 8, 4);
        Files.write(avi, aviBytes);
        assertTrue(assertThrows(IOException.class, () -> Wav.read(avi)).getMessage().contains("bytes 8-11 are \"AVI \", expected \"WAVE\""));

        Path mp3 = file(dir, "mp3.wav", riff("fmt ", fmt(0x55, 1, 8000, 16), "data", shorts(0)));
        var em = assertThrows(IOException.class, () -> Wav.read(mp3));
        assertTrue(em.getMessage().contains("fmt chunk at byte 12: audio format 0x55 (byte 20) is not supported"), em.getMessage());

        Path dataFirst = file(dir, "df.wav", riff("data", shorts(0), "fmt ", fmt(1, 1, 8000, 16)));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(dataFirst)).getMessage().contains("data chunk at byte 12 comes before any fmt chunk"));

        Path noData = file(dir, "nd.wav", riff("fmt ", fmt(1, 1, 8000, 16)));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(noData)).getMessage().contains("no data chunk"));

        byte[] badAlign = fmt(1, 2, 8000, 16);
        badAlign[12] = 3; // block align should be 4
        Path align = file(dir, "al.wav", riff("fmt ", badAlign, "data", shorts(0, 0)));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(align)).getMessage().contains("block align 3 (byte 32), expected 4"));

        Path partial = file(dir, "pf.wav", riff("fmt ", fmt(1, 2, 8000, 16), "data", shorts(1, 2, 3)));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(partial)).getMessage().contains("holds 6 bytes, not a whole number of 4-byte frames"));

        Path bits12 = file(dir, "b12.wav", riff("fmt ", fmt(1, 1, 8000, 12), "data", shorts(0)));
        assertTrue(assertThrows(IOException.class, () -> Wav.read(bits12)).getMessage().contains("12 bits per sample (byte 34) is not supported"));
    }
}
