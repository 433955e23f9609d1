package dev.myelin.nn.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file written all or nothing: bytes go to a hidden temporary file in the target's directory;
 * {@link #commit} forces them to disk and renames the temporary file over the target in one
 * atomic step, so a reader (or a crash) sees the old file or the new one, never half of one.
 * Closing without committing deletes the temporary file.
 *
 * <pre>{@code try (AtomicFile f = AtomicFile.create(path)) { write(f.channel()); f.commit(); }}</pre>
 */
public final class AtomicFile implements Closeable {
    private final Path target, temp;
    private final FileChannel channel;
    private boolean done;

    private AtomicFile(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Writes {@code bytes} to {@code target} all or nothing. The target's directory must exist. */
    public static void write(Path target, byte[] bytes) throws IOException {
        try (AtomicFile f = create(target)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) f.channel().write(b);
            f.commit();
        }
    }

    /** Opens a temporary file beside {@code target}; nothing is visible at the target until {@link #commit}. */
    public static AtomicFile create(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(abs.toString(), null, "cannot write here: directory " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new IOException("cannot write " + abs + ": it is a directory");
        }
        // Our own name rather than Files.createTempFile, which would give the final file mode 0600.
        String name = "." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp";
        Path temp = dir.resolve(name);
        FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        return new AtomicFile(abs, temp, ch);
    }

    /** The channel over the temporary file; readable too, so writers can patch earlier bytes. */
    public FileChannel channel() {
        return channel;
    }

    public Path target() {
        return target;
    }

    /** Flushes the data to disk and renames the temporary file over the target. */
    public void commit() throws IOException {
        if (done) throw new IllegalStateException("already committed or closed: " + target);
        channel.force(true);
        channel.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            done = true;
            throw new IOException("cannot write " + target + " atomically: this file system cannot rename over a file in one step", e);
        }
        done = true;
        syncDirectory(target.getParent());
    }

    /** Makes the rename itself durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException ignored) {
            // Windows cannot open a directory as a channel; the rename is still atomic there.
        }
    }

    @Override
    public void close() throws IOException {
        if (done) return;
        done = true;
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
