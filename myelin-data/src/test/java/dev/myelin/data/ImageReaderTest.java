package dev.myelin.data;

import dev.myelin.core.DType;
import dev.myelin.core.Tensor;
import dev.myelin.data.io.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageReaderTest {

    /** A 2x3 RGB image: row 0 red, green, blue; row 1 white, black, (10, 20, 30). */
    static BufferedImage rgb() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        int[][] px = {{0xFF0000, 0x00FF00, 0x0000FF}, {0xFFFFFF, 0x000000, 0x0A141E}};
        for (int y = 0; y < 2; y++) for (int x = 0; x < 3; x++) img.setRGB(x, y, px[y][x]);
        return img;
    }

    static BufferedImage gray(int w, int h, int[] values) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int i = 0; i < values.length; i++) r.setSample(i % w, i / w, 0, values[i]);
        return img;
    }

    static Path png(Path p, BufferedImage img) throws IOException {
        Files.createDirectories(p.getParent());
        assertTrue(ImageIO.write(img, "png", p.toFile()));
        return p;
    }

    @Test
    void rgbPngInChannelsLastOrderScaledToUnit(@TempDir Path dir) throws IOException {
        Path p = png(dir.resolve("rgb.png"), rgb());
        Tensor t = Images.read(p);
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new int[]{2, 3, 3}, t.shape());
        assertArrayEquals(new float[]{
                1, 0, 0, 0, 1, 0, 0, 0, 1,
                1, 1, 1, 0, 0, 0, 10 / 255f, 20 / 255f, 30 / 255f}, t.toFloatArray());
        Tensor raw = Images.read(p, Images.options().raw());
        assertArrayEquals(new float[]{10, 20, 30}, new float[]{raw.get(1, 2, 0), raw.get(1, 2, 1), raw.get(1, 2, 2)});
        // To grey with the BT.601 luma weights.
        Tensor g = Images.read(p, Images.options().grayscale().raw());
        assertArrayEquals(new int[]{2, 3, 1}, g.shape());
        assertEquals(0.299f * 255, g.get(0, 0, 0), 1e-3);
        assertEquals(0.587f * 255, g.get(0, 1, 0), 1e-3);
        assertEquals(0.114f * 255, g.get(0, 2, 0), 1e-3);
        assertEquals(0.299f * 10 + 0.587f * 20 + 0.114f * 30, g.get(1, 2, 0), 1e-3);
    }

    @Test
    void greyPngKeepsItsStoredValues(@TempDir Path dir) throws IOException {
        // Java2D's getRGB would route these through a linear-grey colour space and move 128 to 188.
        int[] v = {0, 1, 64, 128, 200, 255};
        Path p = png(dir.resolve("g.png"), gray(3, 2, v));
        Tensor t = Images.read(p, Images.options().raw());
        assertArrayEquals(new int[]{2, 3, 1}, t.shape());
        assertArrayEquals(new float[]{0, 1, 64, 128, 200, 255}, t.toFloatArray());
        Tensor unit = Images.read(p);
        assertEquals(128 / 255f, unit.get(1, 0, 0));
        Tensor asRgb = Images.read(p, Images.options().rgb().raw());
        assertArrayEquals(new int[]{2, 3, 3}, asRgb.shape());
        assertArrayEquals(new float[]{200, 200, 200}, new float[]{asRgb.get(1, 1, 0), asRgb.get(1, 1, 1), asRgb.get(1, 1, 2)});

        // 16-bit grey comes to the 0-255 range: 65535 -> 255, 257 * 100 -> 100.
        BufferedImage g16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(0, 0, 0, 65535);
        g16.getRaster().setSample(1, 0, 0, 25700);
        Tensor t16 = Images.read(png(dir.resolve("g16.png"), g16), Images.options().raw());
        assertArrayEquals(new float[]{255, 100}, t16.toFloatArray(), 1e-3f);
    }

    @Test
    void alphaIsDroppedAndJpegIsRead(@TempDir Path dir) throws IOException {
        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80_40_80_C0); // half transparent (64, 128, 192)
        Tensor t = Images.read(png(dir.resolve("a.png"), argb), Images.options().raw());
        assertArrayEquals(new int[]{1, 1, 3}, t.shape());
        assertArrayEquals(new float[]{64, 128, 192}, t.toFloatArray());

        BufferedImage solid = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) solid.setRGB(x, y, 0x3C78B4); // (60, 120, 180)
        Path jpg = dir.resolve("s.jpg");
        assertTrue(ImageIO.write(solid, "jpeg", jpg.toFile()));
        Tensor j = Images.read(jpg, Images.options().raw());
        assertArrayEquals(new int[]{16, 16, 3}, j.shape());
        // JPEG is lossy; a flat colour comes back within a few levels.
        assertEquals(60, j.get(8, 8, 0), 4);
        assertEquals(120, j.get(8, 8, 1), 4);
        assertEquals(180, j.get(8, 8, 2), 4);
    }

    @Test
    void bilinearResizeUsesHalfPixelCentres(@TempDir Path dir) throws IOException {
        // Halving a 4x4 image averages each 2x2 block exactly (samples fall between the four pixels).
        int[] v = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150};
        Path p = png(dir.resolve("g4.png"), gray(4, 4, v));
        Tensor half = Images.read(p, Images.options().resize(2, 2).raw());
        assertArrayEquals(new int[]{2, 2, 1}, half.shape());
        assertArrayEquals(new float[]{25, 45, 105, 125}, half.toFloatArray(), 1e-4f);
        // Doubling a 1x2 row [0, 100] to 1x4: TF/PyTorch give [0, 25, 75, 100] (edges clamped).
        float[] up = Images.resizeBilinear(new float[]{0, 100}, 1, 2, 1, 1, 4);
        assertArrayEquals(new float[]{0, 25, 75, 100}, up, 1e-4f);
        // Channels stay apart.
        float[] two = Images.resizeBilinear(new float[]{0, 1000, 100, 2000}, 1, 2, 2, 1, 4);
        assertArrayEquals(new float[]{0, 1000, 25, 1250, 75, 1750, 100, 2000}, two, 1e-3f);
    }

    @Test
    void folderOfClassSubfolders(@TempDir Path dir) throws IOException {
        png(dir.resolve("dog/b.png"), gray(2, 2, new int[]{255, 255, 255, 255}));
        png(dir.resolve("dog/a.png"), gray(2, 2, new int[]{0, 0, 0, 0}));
        png(dir.resolve("cat/x.png"), gray(2, 2, new int[]{51, 51, 51, 51}));
        Files.writeString(dir.resolve("cat/notes.txt"), "not an image");
        Files.writeString(dir.resolve("README"), "ignored");
        Images.Folder f = Images.readFolder(dir, Images.options());
        assertEquals(List.of("cat", "dog"), f.classes());
        assertArrayEquals(new int[]{3, 2, 2, 1}, f.images().shape());
        assertEquals(DType.INT64, f.labels().dtype());
        assertArrayEquals(new long[]{0, 1, 1}, f.labels().toLongArray());
        assertEquals(List.of("x.png", "a.png", "b.png"), f.files().stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(0.2f, f.images().get(0, 1, 1, 0), 1e-6);
        assertEquals(0f, f.images().get(1, 0, 0, 0));
        assertEquals(1f, f.images().get(2, 0, 0, 0));

        // A colour image in the mix makes the whole batch RGB; a different size needs a resize.
        png(dir.resolve("cat/y.png"), rgb());
        var e = assertThrows(IOException.class, () -> Images.readFolder(dir, Images.options()));
        assertTrue(e.getMessage().contains("y.png: image is 2x3 (height x width), expected 2x2"), e.getMessage());
        Images.Folder r = Images.readFolder(dir, Images.options().resize(2, 2));
        assertArrayEquals(new int[]{4, 2, 2, 3}, r.images().shape());
        assertArrayEquals(new float[]{0.2f, 0.2f, 0.2f}, new float[]{r.images().get(0, 0, 0, 0), r.images().get(0, 0, 0, 1), r.images().get(0, 0, 0, 2)}, 1e-6f);
        assertArrayEquals(new long[]{0, 0, 1, 1}, r.labels().toLongArray());
    }

    @Test
    void unreadableImagesNameThePath(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("c/broken.png");
        Files.createDirectories(bad.getParent());
        Files.write(bad, new byte[]{1, 2, 3, 4, 5});
        var e = assertThrows(IOException.class, () -> Images.read(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        var e2 = assertThrows(IOException.class, () -> Images.readFolder(dir, Images.options()));
        assertTrue(e2.getMessage().startsWith(bad.toString()), e2.getMessage());
        assertThrows(java.io.FileNotFoundException.class, () -> Images.read(dir.resolve("none.png")));
        Path emptyDir = Files.createDirectories(dir.resolve("empty"));
        var e3 = assertThrows(IOException.class, () -> Images.readFolder(emptyDir, Images.options()));
        assertTrue(e3.getMessage().contains("no class sub-folders"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Images.options().resize(0, 5));
    }
}
