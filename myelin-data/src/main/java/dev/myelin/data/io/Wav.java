package dev.myelin.data.io;

import dev.myelin.core.Tensor;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A WAV file's samples as floats, one array per channel, with its sample rate.
 *
 * <pre>{@code Wav w = Wav.read(Path.of("0_george_0.wav")); float[] x = w.mono(); int hz = w.sampleRate();}</pre>
 *
 * Reads RIFF/WAVE files with PCM samples: 8-bit unsigned, 16-, 24- and 32-bit signed little-endian
 * integers, and 32-bit IEEE floats (format 3), also when the fmt chunk is WAVE_FORMAT_EXTENSIBLE
 * with one of those sub-formats; any channel count and sample rate. Integer samples are scaled
 * into [-1, 1): 8-bit as {@code (u - 128) / 128}, 16-bit as {@code s / 32768}, 24-bit as
 * {@code s / 2^23}, 32-bit as {@code s / 2^31}; float samples come as they are stored. Chunks other
 * than {@code fmt } and {@code data} (LIST, fact, cue, ...) are skipped.
 *
 * <p>A malformed file is an IOException naming the path, the byte offset of the offending field
 * or chunk, and what was expected; a chunk that runs past the end of the file is reported as
 * truncated. Files of 2 GiB or more are not supported.
 *
 * @param channels the samples, {@code channels[c][frame]}
 */
public record Wav(int sampleRate, int bitsPerSample, float[][] channels) {

    private static final int PCM = 1, IEEE_FLOAT = 3, EXTENSIBLE = 0xFFFE;

    public int channelCount() {
        return channels.length;
    }

    /** The number of samples per channel. */
    public int frames() {
        return channels.length == 0 ? 0 : channels[0].length;
    }

    public double seconds() {
        return frames() / (double) sampleRate;
    }

    /** The average of the channels per frame (the channel itself, for a mono file). */
    public float[] mono() {
        if (channels.length == 1) return channels[0].clone();
        int n = frames();
        float[] out = new float[n];
        for (float[] ch : channels) for (int i = 0; i < n; i++) out[i] += ch[i];
        float inv = 1f / channels.length;
        for (int i = 0; i < n; i++) out[i] *= inv;
        return out;
    }

    /** float32 (frames, channels), the layout of tf.audio.decode_wav. */
    public Tensor tensor() {
        int n = frames(), c = channels.length;
        float[] d = new float[n * c];
        for (int ch = 0; ch < c; ch++) for (int i = 0; i < n; i++) d[i * c + ch] = channels[ch][i];
        return Tensor.wrap(d, n, c);
    }

    public static Wav read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FileNotFoundException(path + ": no such file");
        long size = Files.size(path);
        if (size >= Integer.MAX_VALUE) throw new IOException(path + ": " + size + " bytes; WAV files of 2 GiB or more are not supported");
        return parse(path, Files.readAllBytes(path));
    }

    /** Parses the bytes of a WAV file; {@code source} names it in errors. */
    public static Wav parse(Path source, byte[] b) throws IOException {
        if (b.length < 12) {
            throw new IOException(source + ": truncated WAV file: " + b.length + " bytes, expected at least the 12-byte RIFF header");
        }
        String riff = fourCc(b, 0);
        if (!riff.equals("RIFF")) {
            String hint = riff.equals("RIFX") ? " (big-endian RIFX is not supported)" : riff.equals("RF64") ? " (RF64 is not supported)" : "";
            throw new IOException(source + ": not a WAV file: bytes 0-3 are " + quoted(riff) + ", expected \"RIFF\"" + hint);
        }
        if (!fourCc(b, 8).equals("WAVE")) {
            throw new IOException(source + ": not a WAV file: bytes 8-11 are " + quoted(fourCc(b, 8)) + ", expected \"WAVE\"");
        }
        long riffEnd = 8 + u32(b, 4);
        // The chunks lie between byte 12 and the end the RIFF header declares; bytes after it are not part of the file.
        int end = (int) Math.min(b.length, riffEnd);
        int format = -1, channels = 0, rate = 0, blockAlign = 0, bits = 0, fmtAt = -1;
        int pos = 12;
        while (pos < end) {
            if (end - pos < 8) {
                if (riffEnd <= b.length) break; // a short tail inside the declared RIFF size: padding
                throw new IOException(source + ": truncated WAV file: a chunk header at byte " + pos + " needs 8 bytes, only "
                        + (end - pos) + " remain (the RIFF header at byte 4 declares " + riffEnd + " bytes, the file has " + b.length + ")");
            }
            String id = fourCc(b, pos);
            long len = u32(b, pos + 4);
            int body = pos + 8;
            if (body + len > b.length) {
                throw new IOException(source + ": truncated WAV file: chunk " + quoted(id) + " at byte " + pos + " declares " + len
                        + " bytes of data from byte " + body + ", but the file ends at byte " + b.length + " (" + (b.length - body) + " bytes of it)");
            }
            switch (id) {
                case "fmt " -> {
                    if (len < 16) throw new IOException(source + ": fmt chunk at byte " + pos + " holds " + len + " bytes, expected at least 16");
                    fmtAt = pos;
                    format = u16(b, body);
                    channels = u16(b, body + 2);
                    rate = (int) Math.min(Integer.MAX_VALUE, u32(b, body + 4));
                    blockAlign = u16(b, body + 12);
                    bits = u16(b, body + 14);
                    if (format == EXTENSIBLE) {
                        if (len < 40) {
                            throw new IOException(source + ": fmt chunk at byte " + pos + " is WAVE_FORMAT_EXTENSIBLE but holds " + len
                                    + " bytes, expected 40");
                        }
                        // The sub-format GUID starts at byte 24 of the chunk body; its first two bytes are the format code.
                        format = u16(b, body + 24);
                        int valid = u16(b, body + 18);
                        if (valid != 0 && valid != bits) {
                            throw new IOException(source + ": fmt chunk at byte " + pos + ": " + valid + " valid bits (byte " + (body + 18)
                                    + ") in " + bits + "-bit containers is not supported; expected the two to match");
                        }
                    }
                    checkFormat(source, pos, body, format, channels, rate, blockAlign, bits);
                }
                case "data" -> {
                    if (fmtAt < 0) throw new IOException(source + ": data chunk at byte " + pos + " comes before any fmt chunk; expected fmt first");
                    if (len % blockAlign != 0) {
                        throw new IOException(source + ": data chunk at byte " + pos + " holds " + len + " bytes, not a whole number of "
                                + blockAlign + "-byte frames (" + channels + " channel(s) of " + bits + " bits)");
                    }
                    return new Wav(rate, bits, decode(b, body, (int) (len / blockAlign), channels, bits, format));
                }
                default -> { }
            }
            // Chunks are padded to an even length.
            pos = (int) Math.min(Integer.MAX_VALUE, body + len + (len & 1));
        }
        if (fmtAt < 0) throw new IOException(source + ": no fmt chunk between byte 12 and byte " + end + "; expected a fmt chunk then a data chunk");
        throw new IOException(source + ": no data chunk between byte 12 and byte " + end + " (fmt chunk at byte " + fmtAt + "); expected a data chunk");
    }

    private static void checkFormat(Path source, int pos, int body, int format, int channels, int rate, int blockAlign, int bits) throws IOException {
        String at = source + ": fmt chunk at byte " + pos + ": ";
        if (format != PCM && format != IEEE_FLOAT) {
            throw new IOException(at + "audio format 0x" + Integer.toHexString(format) + " (byte " + body
                    + ") is not supported; expected 1 (integer PCM) or 3 (IEEE float), compressed formats need decoding first");
        }
        if (channels == 0) throw new IOException(at + "0 channels (byte " + (body + 2) + "), expected at least 1");
        if (rate <= 0) throw new IOException(at + "sample rate " + rate + " (byte " + (body + 4) + "), expected a positive rate");
        boolean ok = format == PCM ? bits == 8 || bits == 16 || bits == 24 || bits == 32 : bits == 32;
        if (!ok) {
            throw new IOException(at + bits + " bits per sample (byte " + (body + 14) + ") is not supported for "
                    + (format == PCM ? "integer PCM; expected 8, 16, 24 or 32" : "IEEE float; expected 32"));
        }
        if (blockAlign != channels * (bits / 8)) {
            throw new IOException(at + "block align " + blockAlign + " (byte " + (body + 12) + "), expected " + channels * (bits / 8)
                    + " = " + channels + " channel(s) x " + bits / 8 + " bytes");
        }
    }

    private static float[][] decode(byte[] b, int at, int frames, int channels, int bits, int format) {
        float[][] out = new float[channels][frames];
        int bytes = bits / 8;
        for (int f = 0; f < frames; f++) {
            for (int c = 0; c < channels; c++) {
                int p = at + (f * channels + c) * bytes;
                out[c][f] = switch (bits) {
                    case 8 -> ((b[p] & 0xFF) - 128) / 128f;
                    case 16 -> (short) ((b[p] & 0xFF) | (b[p + 1] << 8)) / 32768f;
                    case 24 -> ((b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] << 16)) / 8388608f;
                    default -> {
                        int v = (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | ((b[p + 2] & 0xFF) << 16) | (b[p + 3] << 24);
                        yield format == IEEE_FLOAT ? Float.intBitsToFloat(v) : (float) (v / 2147483648.0);
                    }
                };
            }
        }
        return out;
    }

    private static String fourCc(byte[] b, int at) {
        return new String(b, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static String quoted(String fourCc) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : fourCc.toCharArray()) {
            if (c >= 0x20 && c < 0x7F) s.append(c);
            else s.append(String.format("\\x%02X", (int) c));
        }
        return s.append('"').toString();
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int at) {
        return ((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (long) (b[at + 3] & 0xFF) << 24);
    }
}
