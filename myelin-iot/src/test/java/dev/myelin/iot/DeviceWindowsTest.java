package dev.myelin.iot;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DeviceWindowsTest {
    @Test
    void windowsSlideBySizeAndStrideOldestFirst() {
        DeviceWindows w = new DeviceWindows(3, 2, 2, 0, Long.MAX_VALUE, 10, d -> {});
        DeviceWindows.Device d = w.touch("a", 0);
        List<float[]> out = new ArrayList<>();
        List<Double> starts = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            float[] win = w.append(d, new float[]{i, 10 * i}, 100 + i);
            if (win != null) {
                out.add(win);
                starts.add(w.windowStart(d));
            }
        }
        // windows end at readings 2, 4, 6, 8 (size 3, stride 2)
        assertEquals(4, out.size());
        assertArrayEquals(new float[]{0, 0, 1, 10, 2, 20}, out.get(0));
        assertArrayEquals(new float[]{2, 20, 3, 30, 4, 40}, out.get(1));
        assertArrayEquals(new float[]{6, 60, 7, 70, 8, 80}, out.get(3));
        assertEquals(List.of(100.0, 102.0, 104.0, 106.0), starts);
    }

    @Test
    void singleReadingWindows() {
        DeviceWindows w = new DeviceWindows(1, 1, 3, 0, Long.MAX_VALUE, 10, d -> {});
        DeviceWindows.Device d = w.touch("a", 0);
        assertArrayEquals(new float[]{1, 2, 3}, w.append(d, new float[]{1, 2, 3}, 0));
        assertArrayEquals(new float[]{4, 5, 6}, w.append(d, new float[]{4, 5, 6}, 1));
    }

    @Test
    void theLeastRecentlyHeardFromGoesFirstAndIdleDevicesAreEvicted() {
        List<String> evicted = new ArrayList<>();
        DeviceWindows w = new DeviceWindows(2, 1, 1, 1, 1_000, 3, d -> evicted.add(d.id));
        w.touch("a", 0);
        w.touch("b", 10);
        w.touch("c", 20);
        w.touch("a", 30);  // a is now the most recent
        w.touch("d", 40);  // over the limit: b goes
        assertEquals(List.of("b"), evicted);
        assertEquals(3, w.count());
        assertEquals(1, w.evicted());
        assertEquals(0, w.evictIdle(1_019)); // c was heard from at 20: not idle yet
        assertEquals(2, w.evictIdle(1_035)); // c (20) and a (30)
        assertEquals(List.of("b", "c", "a"), evicted);
        assertEquals(1, w.count());
        DeviceWindows.Device back = w.touch("b", 1_100);
        assertNull(w.append(back, new float[]{1}, 0)); // a new state: the window fills again
    }

    @Test
    void aSavedStoreGoesOnWhereItStoppedAndRefusesOtherWindows() throws Exception {
        DeviceWindows a = new DeviceWindows(3, 1, 2, 1, Long.MAX_VALUE, 10, d -> {});
        for (int k = 0; k < 3; k++) {
            DeviceWindows.Device d = a.touch("d" + k, 0);
            for (int i = 0; i < 4 + k; i++) a.append(d, new float[]{i, k}, 100 + i);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        a.save(new java.io.DataOutputStream(bytes), "test");

        // into a store that holds 2 devices: the 2 heard from most recently come back
        DeviceWindows b = new DeviceWindows(3, 1, 2, 1, Long.MAX_VALUE, 2, d -> {});
        assertEquals(2, b.load(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), "state", 0));
        DeviceWindows.Device d2 = b.touch("d2", 1);
        assertEquals(6, d2.count);
        assertEquals(105.0, d2.lastTime);
        // the next reading completes the window of the last two before the restart and itself
        assertArrayEquals(new float[]{4, 2, 5, 2, 9, 9}, b.append(d2, new float[]{9, 9}, 106));

        DeviceWindows other = new DeviceWindows(4, 1, 2, 1, Long.MAX_VALUE, 10, d -> {});
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> other.load(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), "state", 0));
        assertEquals("state (written by test) holds windows of 3 readings x 2 features with 1 alert rules; this bridge keeps 4 x 2 with 1; "
                + "delete it to start the windows anew", e.getMessage());
    }
}
