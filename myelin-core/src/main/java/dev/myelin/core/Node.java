package dev.myelin.core;

/** One recorded op in the autograd graph: its inputs, its backward rule and the tensors it saved. */
final class Node {
    final String op;
    final Tensor[] inputs;
    final Backward backward;
    final Tensor[] saved;
    final int[] savedVersions;

    Node(String op, Tensor[] inputs, Backward backward, Tensor[] saved) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) savedVersions[i] = saved[i].storage().version();
    }

    void checkSavedUnchanged() {
        for (int i = 0; i < saved.length; i++) {
            int now = saved[i].storage().version();
            if (now != savedVersions[i]) {
                throw new IllegalStateException("backward through '" + op + "': a tensor of shape "
                        + Shape.format(saved[i].shape()) + " that it saved was modified in place after the forward pass"
                        + " (version " + savedVersions[i] + " -> " + now + "). Clone it before changing it, or change it after backward().");
            }
        }
    }
}
