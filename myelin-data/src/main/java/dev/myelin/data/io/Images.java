package dev.myelin.data.io;

import dev.myelin.core.Tensor;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Images (PNG, JPEG, GIF, BMP through ImageIO) as float32 tensors in channels-last layout
 * (height, width, channels): 3 channels in RGB order, or 1 for a grey image.
 *
 * <pre>{@code
 * Tensor img = Images.read(Path.of("cat.png"));                              // (h, w, 3) in [0, 1]
 * Images.Folder f = Images.readFolder(Path.of("train"), Images.options().resize(32, 32));
 * model.fit(f.images(), f.labels(), ...);                                     // (n, 32, 32, 3), int64 (n,)
 * }</pre>
 *
 * <p>Values are scaled to [0, 1] (sample / 255) by default, or kept as 0-255 with
 * {@link Options#raw()}. Channels: {@link Channels#AUTO} gives 1 for an image stored as grey
 * (16-bit grey is brought to the 8-bit range) and 3 otherwise; {@link Channels#RGB} repeats grey
 * into three channels; {@link Channels#GRAY} converts colour with the BT.601 luma weights
 * {@code 0.299 R + 0.587 G + 0.114 B} (as PIL's "L" mode). Alpha is dropped (a transparent pixel
 * keeps its stored colour). Grey samples are read from the raster as stored, not through Java2D's
 * linear-grey colour conversion, which would shift them.
 *
 * <p>Resizing is bilinear with half-pixel centres and no antialiasing, the rule of TensorFlow's
 * {@code tf.image.resize(..., "bilinear")} and PyTorch's {@code interpolate(align_corners=False)}:
 * output pixel {@code i} samples the input at {@code (i + 0.5) * in / out - 0.5}, clamped to the
 * edge. It is done here on the float samples rather than by Java2D so that grey images are not
 * colour-converted and the edges are exact.
 */
public final class Images {
    private Images() {}

    /** The file name endings {@link #readFolder} picks up (case-insensitive), as Keras' image_dataset_from_directory. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp");

    public enum Channels { AUTO, GRAY, RGB }

    /** Target size (0 x 0: keep the stored size), channels, and [0, 1] scaling (else 0-255). */
    public record Options(int height, int width, Channels channels, boolean unitScale) {
        public Options {
            if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
                throw new IllegalArgumentException("Images: resize to " + height + "x" + width + "; expected both positive, or both 0 for no resize");
            }
        }

        public Options resize(int height, int width) {
            return new Options(height, width, channels, unitScale);
        }

        public Options channels(Channels c) {
            return new Options(height, width, c, unitScale);
        }

        public Options grayscale() {
            return channels(Channels.GRAY);
        }

        public Options rgb() {
            return channels(Channels.RGB);
        }

        /** Keep values 0-255 instead of scaling to [0, 1]. */
        public Options raw() {
            return new Options(height, width, channels, false);
        }
    }

    /** No resize, {@link Channels#AUTO}, values in [0, 1]. */
    public static Options options() {
        return new Options(0, 0, Channels.AUTO, true);
    }

    /**
     * A folder of class sub-folders read into one batch: {@code images} float32 (n, h, w, c),
     * {@code labels} int64 (n,) indexing {@code classes}, and the file each image came from.
     */
    public record Folder(Tensor images, Tensor labels, List<String> classes, List<Path> files) {}

    /** One image, float32 (h, w, 3) or (h, w, 1) for grey, values in [0, 1]. */
    public static Tensor read(Path path) throws IOException {
        return read(path, options());
    }

    public static Tensor read(Path path, Options o) throws IOException {
        BufferedImage img = decode(path);
        int h = img.getHeight(), w = img.getWidth();
        boolean gray = isGray(img);
        int c = switch (o.channels()) {
            case AUTO -> gray ? 1 : 3;
            case GRAY -> 1;
            case RGB -> 3;
        };
        float[] px = pixels(img, gray, c, o.unitScale() ? 255f : 1f);
        if (o.height() != 0 && (o.height() != h || o.width() != w)) {
            px = resizeBilinear(px, h, w, c, o.height(), o.width());
            h = o.height();
            w = o.width();
        }
        return Tensor.wrap(px, h, w, c);
    }

    /**
     * Reads {@code dir/<class>/<image>}: the classes are the sub-folder names sorted by
     * {@link String#compareTo} (label i is {@code classes.get(i)}), the images within a class are
     * taken in file-name order. Files with other endings than {@link #EXTENSIONS}, hidden files
     * and files directly in {@code dir} are ignored. Without a resize, every image must have the
     * size and channel count of the first (an error names the file that differs); with
     * {@link Channels#AUTO}, a folder mixing grey and colour images is read as RGB.
     */
    public static Folder readFolder(Path dir, Options o) throws IOException {
        if (!Files.isDirectory(dir)) throw new FileNotFoundException(dir + ": no such folder");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
        if (classDirs.isEmpty()) throw new IOException(dir + ": no class sub-folders; expected " + dir + "/<class>/<image>.png");
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Long> labels = new ArrayList<>();
        for (int k = 0; k < classDirs.size(); k++) {
            Path cd = classDirs.get(k);
            classes.add(cd.getFileName().toString());
            List<Path> imgs;
            try (Stream<Path> s = Files.list(cd)) {
                imgs = s.filter(Files::isRegularFile).filter(Images::isImageName)
                        .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
            }
            for (Path p : imgs) {
                files.add(p);
                labels.add((long) k);
            }
        }
        if (files.isEmpty()) {
            throw new IOException(dir + ": " + classes.size() + " class folders " + classes + " but no images in them; expected files ending in " + EXTENSIONS);
        }
        List<Tensor> decoded = new ArrayList<>(files.size());
        boolean anyColour = false;
        for (Path p : files) {
            Tensor t = read(p, o);
            int[] s0 = decoded.isEmpty() ? t.shape() : decoded.getFirst().shape();
            if (t.size(0) != s0[0] || t.size(1) != s0[1]) {
                throw new IOException(p + ": image is " + t.size(0) + "x" + t.size(1) + " (height x width), expected "
                        + s0[0] + "x" + s0[1] + " like " + files.getFirst() + "; pass Images.options().resize(h, w)");
            }
            anyColour |= t.size(2) == 3;
            decoded.add(t);
        }
        // One channel count for the whole batch (only AUTO can mix): grey images repeat into RGB if any image is in colour.
        int h = decoded.getFirst().size(0), w = decoded.getFirst().size(1), c = anyColour ? 3 : 1, each = h * w * c;
        float[] all = new float[Math.multiplyExact(each, files.size())];
        for (int i = 0; i < decoded.size(); i++) {
            float[] px = decoded.get(i).floatData();
            if (decoded.get(i).size(2) == c) {
                System.arraycopy(px, 0, all, i * each, each);
            } else {
                for (int j = 0; j < h * w; j++) for (int k = 0; k < 3; k++) all[i * each + j * 3 + k] = px[j];
            }
            decoded.set(i, null);
        }
        long[] y = new long[labels.size()];
        for (int i = 0; i < y.length; i++) y[i] = labels.get(i);
        return new Folder(Tensor.wrap(all, files.size(), h, w, c), Tensor.ofLongs(y, y.length),
                List.copyOf(classes), List.copyOf(files));
    }

    /**
     * Bilinear resize of channels-last samples (h, w, c) to (outH, outW, c), half-pixel centres,
     * edges clamped (see the class comment).
     */
    public static float[] resizeBilinear(float[] src, int h, int w, int c, int outH, int outW) {
        float[] out = new float[outH * outW * c];
        float sy = (float) h / outH, sx = (float) w / outW;
        for (int y = 0; y < outH; y++) {
            float fy = Math.max(0f, (y + 0.5f) * sy - 0.5f);
            int y0 = Math.min((int) fy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            float dy = fy - y0;
            for (int x = 0; x < outW; x++) {
                float fx = Math.max(0f, (x + 0.5f) * sx - 0.5f);
                int x0 = Math.min((int) fx, w - 1), x1 = Math.min(x0 + 1, w - 1);
                float dx = fx - x0;
                for (int k = 0; k < c; k++) {
                    // top and bottom rows interpolated along x, then along y
                    float top = src[(y0 * w + x0) * c + k] * (1 - dx) + src[(y0 * w + x1) * c + k] * dx;
                    float bot = src[(y1 * w + x0) * c + k] * (1 - dx) + src[(y1 * w + x1) * c + k] * dx;
                    out[(y * outW + x) * c + k] = top * (1 - dy) + bot * dy;
                }
            }
        }
        return out;
    }

    private static boolean isImageName(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static BufferedImage decode(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FileNotFoundException(path + ": no such file");
        BufferedImage img;
        try {
            img = ImageIO.read(path.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(path + ": cannot decode the image (" + e.getMessage() + "); expected a valid PNG, JPEG, GIF or BMP file", e);
        }
        if (img == null) {
            throw new IOException(path + ": not an image ImageIO can read; expected a PNG, JPEG, GIF or BMP file");
        }
        return img;
    }

    /** Stored as grey (with or without alpha): one colour component in a grey colour space. */
    private static boolean isGray(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        return cm.getNumColorComponents() == 1 && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && !(cm instanceof java.awt.image.IndexColorModel);
    }

    /** (h, w, c) samples (0-255) divided by {@code div}; c = 1 or 3. */
    private static float[] pixels(BufferedImage img, boolean gray, int c, float div) {
        int h = img.getHeight(), w = img.getWidth();
        float[] out = new float[h * w * c];
        if (gray) {
            Raster r = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            // Bring any bit depth to 0-255 (16-bit grey: v / 257).
            float toByte = 255f / ((1 << bits) - 1);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = bits == 8 ? r.getSample(x, y, 0) / div : r.getSample(x, y, 0) * toByte / div;
                    for (int k = 0; k < c; k++) out[(y * w + x) * c + k] = v;
                }
            }
            return out;
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                float red = (argb >> 16) & 0xFF, green = (argb >> 8) & 0xFF, blue = argb & 0xFF;
                int o = (y * w + x) * c;
                if (c == 1) {
                    out[o] = (0.299f * red + 0.587f * green + 0.114f * blue) / div;
                } else {
                    out[o] = red / div;
                    out[o + 1] = green / div;
                    out[o + 2] = blue / div;
                }
            }
        }
        return out;
    }
}
