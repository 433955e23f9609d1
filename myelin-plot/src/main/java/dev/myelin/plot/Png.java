package dev.myelin.plot;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;
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
     * of one. Where the file system cannot rename atomically the rename is a plain replace.
     */
    static void write(BufferedImage image, Path target) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG encoder in this Java runtime");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(abs.toString(), null, "cannot write here: directory " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) throw new IOException("cannot write " + abs + ": it is a directory");
        Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
        try {
            Files.write(temp, bytes.toByteArray());
            try {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
