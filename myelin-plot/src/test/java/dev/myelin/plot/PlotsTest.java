package dev.myelin.plot;

import dev.myelin.nn.callbacks.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.*;

class PlotsTest {

    @TempDir
    Path dir;

    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** A history as fit records it, fed epoch by epoch. */
    static History history(int epochs, boolean validation, boolean lrSchedule) {
        History h = new History();
        for (int e = 0; e < epochs; e++) {
            Map<String, Double> logs = new LinkedHashMap<>();
            logs.put("loss", 1.2 * Math.exp(-0.3 * e) + 0.05);
            logs.put("accuracy", 0.95 - 0.6 * Math.exp(-0.4 * e));
            if (validation) {
                logs.put("val_loss", 1.3 * Math.exp(-0.25 * e) + 0.1 + 0.01 * e);
                logs.put("val_accuracy", 0.9 - 0.55 * Math.exp(-0.35 * e));
            }
            logs.put("learning_rate", lrSchedule ? 1e-3 * Math.pow(0.5, e / 3) : 1e-3);
            h.onEpochEnd(e, logs);
        }
        return h;
    }

    static BufferedImage readPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > PNG_SIGNATURE.length);
        for (int i = 0; i < PNG_SIGNATURE.length; i++) assertEquals(PNG_SIGNATURE[i], bytes[i], "PNG signature byte " + i);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO reads " + png);
        return img;
    }

    /** Distinct colours in the image: a blank or one-colour picture has very few. */
    static int colours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) seen.add(img.getRGB(x, y));
        return seen.size();
    }

    static List<Path> leftovers(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void trainingCurvesWithValidationHaveALossAndAnAccuracyPanel() throws IOException {
        History h = history(12, true, false);
        assertEquals(List.of("loss", "accuracy"), Plots.panelNames(h), "a constant learning rate gets no panel");
        Path png = dir.resolve("curves.png");
        Plots.trainingCurves(h, png);
        BufferedImage img = readPng(png);
        assertEquals(2 * Plots.PANEL_WIDTH, img.getWidth());
        assertEquals(Plots.PANEL_HEIGHT, img.getHeight());
        assertTrue(colours(img) > 20, "the picture has lines and text, not one flat colour");
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void trainingCurvesGridGrowsWithPanels() throws IOException {
        History h = history(30, true, true);
        assertEquals(List.of("loss", "accuracy", "learning_rate"), Plots.panelNames(h));
        Path png = dir.resolve("three.png");
        Plots.trainingCurves(h, png);
        BufferedImage img = readPng(png);
        assertEquals(2 * Plots.PANEL_WIDTH, img.getWidth());
        assertEquals(2 * Plots.PANEL_HEIGHT, img.getHeight());
        // The fourth cell of the 2 x 2 grid is left white.
        assertEquals(0xFFFFFFFF, img.getRGB(Plots.PANEL_WIDTH + Plots.PANEL_WIDTH / 2, Plots.PANEL_HEIGHT + Plots.PANEL_HEIGHT / 2));
    }

    @Test
    void trainingCurvesOfOneEpochWithoutValidationAndWithNaN() throws IOException {
        History h = new History();
        h.onEpochEnd(0, new LinkedHashMap<>(Map.of("loss", 0.7)));
        Path png = dir.resolve("one.png");
        Plots.trainingCurves(h, png);
        BufferedImage img = readPng(png);
        assertEquals(Plots.PANEL_WIDTH, img.getWidth());
        assertEquals(Plots.PANEL_HEIGHT, img.getHeight());

        History nan = new History();
        for (int e = 0; e < 4; e++) nan.onEpochEnd(e, new LinkedHashMap<>(Map.of("loss", e == 2 ? Double.NaN : 1.0 / (e + 1))));
        Plots.trainingCurves(nan, png); // replaces the file
        assertEquals(Plots.PANEL_WIDTH, readPng(png).getWidth());
        assertEquals(List.of(), leftovers(dir));

        // A quantity with no finite value gets no panel; with nothing finite at all there is no picture.
        History blownUp = new History();
        for (int e = 0; e < 3; e++) blownUp.onEpochEnd(e, new LinkedHashMap<>(Map.of("loss", e == 0 ? 2.0 : Double.NaN, "accuracy", Double.NaN)));
        Plots.trainingCurves(blownUp, png);
        assertEquals(Plots.PANEL_WIDTH, readPng(png).getWidth(), "only the loss panel");
        History allNaN = new History();
        allNaN.onEpochEnd(0, new LinkedHashMap<>(Map.of("loss", Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(allNaN, dir.resolve("nan.png")));
    }

    @Test
    void drawsWithoutADisplay() throws IOException {
        Plots.trainingCurves(history(2, false, false), dir.resolve("h.png"));
        assertTrue(GraphicsEnvironment.isHeadless());
        assertEquals("true", System.getProperty("java.awt.headless"), "set by Plots, since the test JVM does not set it");
    }

    @Test
    void trainingCurvesRejectsAnEmptyHistory() {
        assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(new History(), dir.resolve("x.png")));
        assertFalse(Files.exists(dir.resolve("x.png")));
    }

    @Test
    void confusionMatrixPicture() throws IOException {
        int[][] counts = {
                {50, 2, 0},
                {3, 41, 6},
                {0, 9, 139},
        };
        Path png = dir.resolve("confusion.png");
        Plots.confusionMatrix(counts, new String[]{"cat", "dog", "bird"}, png);
        BufferedImage img = readPng(png);
        int[] size = Plots.confusionMatrixSize(3);
        assertEquals(size[0], img.getWidth());
        assertEquals(size[1], img.getHeight());
        assertTrue(colours(img) > 20);

        int[][] many = new int[40][40];
        for (int i = 0; i < 40; i++) many[i][i] = 100 + i;
        Path big = dir.resolve("many.png");
        Plots.confusionMatrix(many, null, big);
        BufferedImage bigImg = readPng(big);
        assertEquals(Plots.confusionMatrixSize(40)[0], bigImg.getWidth());
        assertEquals(Plots.confusionMatrixSize(40)[1], bigImg.getHeight());
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void confusionMatrixChecksItsArguments() {
        Path png = dir.resolve("bad.png");
        assertThrows(IllegalArgumentException.class, () -> Plots.confusionMatrix(new int[][]{{1, 2}, {3}}, null, png));
        assertThrows(IllegalArgumentException.class, () -> Plots.confusionMatrix(new int[][]{{1, -2}, {3, 4}}, null, png));
        assertThrows(IllegalArgumentException.class, () -> Plots.confusionMatrix(new int[][]{{1, 2}, {3, 4}}, new String[]{"a"}, png));
        assertThrows(IllegalArgumentException.class, () -> Plots.confusionMatrix(new int[0][], null, png));
        assertFalse(Files.exists(png));
    }

    @Test
    void writingIntoAMissingFolderFailsWithoutLeavingFiles() {
        assertThrows(IOException.class, () -> Plots.confusionMatrix(new int[][]{{1}}, null, dir.resolve("no/such/dir/c.png")));
    }
}
