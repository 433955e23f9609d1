package dev.myelin.plot;

import dev.myelin.nn.io.AtomicFile;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writing images as PNG files, all or nothing, without a display. */
final class Png {
    private Png() {}

    /**
     * Asks AWT to run without a display, unless the application chose otherwise: must run before
     * the first AWT class that looks for a display (fonts, graphics environment) is initialised.
     */
    static void headless() {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /**
     * Encodes {@code image} as PNG into a hidden temporary file beside {@code target}, then renames
     * it over the target in one step, so a reader sees the old picture or the new one, never half
     * of one (see {@link AtomicFile}).
     */
    static void write(BufferedImage image, Path target) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG encoder in this Java runtime");
        AtomicFile.write(target, bytes.toByteArray());
    }
}
