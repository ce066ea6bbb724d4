package dev.pairstream.erasure.detector;

import java.util.List;

/**
 * The shape of the detector network: convolution stages of 3x3 convolution, batch normalisation and ReLU, with a
 * 2x2 max pool between stages, then global average pooling to the feature vector and one linear classifier.
 *
 * @param imageSize          side of the square input picture in pixels
 * @param inputChannels      colour channels of the input, 3 for RGB
 * @param stageChannels      output channels of each convolution stage; the last one is the feature dimension
 * @param kernelSize         side of the square convolution kernels; odd, so that padding keeps the size
 * @param batchNormEpsilon   the constant added to the variance before batch normalisation divides by its root
 * @param batchNormMomentum  weight of the newest batch in the running mean and variance, as PyTorch defines it
 */
public record DetectorArchitecture(int imageSize, int inputChannels, List<Integer> stageChannels, int kernelSize,
        double batchNormEpsilon, double batchNormMomentum) {

    /** Largest channel count accepted for one stage, a guard against a corrupt config allocating gigabytes. */
    static final int MAX_CHANNELS = 4096;

    public DetectorArchitecture {
        if (stageChannels == null || stageChannels.isEmpty()) {
            throw new IllegalArgumentException("architecture.stageChannels is missing or empty; expected one channel"
                    + " count per convolution stage, such as [32, 64, 128]");
        }
        stageChannels = List.copyOf(stageChannels);
        for (int i = 0; i < stageChannels.size(); i++) {
            int channels = stageChannels.get(i);
            if (channels < 1 || channels > MAX_CHANNELS) {
                throw new IllegalArgumentException("architecture.stageChannels[" + i + "] is " + channels
                        + "; expected 1 to " + MAX_CHANNELS);
            }
        }
        if (inputChannels < 1 || inputChannels > MAX_CHANNELS) {
            throw new IllegalArgumentException("architecture.inputChannels is " + inputChannels + "; expected 1 to "
                    + MAX_CHANNELS);
        }
        if (kernelSize < 1 || kernelSize % 2 == 0 || kernelSize > 15) {
            throw new IllegalArgumentException("architecture.kernelSize is " + kernelSize
                    + "; expected an odd number from 1 to 15");
        }
        int poolings = stageChannels.size() - 1;
        if (poolings > 10 || imageSize < 1 || imageSize > 1024 || imageSize % (1 << poolings) != 0) {
            throw new IllegalArgumentException("architecture.imageSize is " + imageSize + "; expected 1 to 1024 and"
                    + " divisible by 2^" + poolings + " for the " + poolings + " max pools between "
                    + stageChannels.size() + " stages");
        }
        if (!(batchNormEpsilon > 0) || !Double.isFinite(batchNormEpsilon)) {
            throw new IllegalArgumentException("architecture.batchNormEpsilon is " + batchNormEpsilon
                    + "; expected a positive number such as 1e-5");
        }
        if (!(batchNormMomentum > 0 && batchNormMomentum <= 1)) {
            throw new IllegalArgumentException("architecture.batchNormMomentum is " + batchNormMomentum
                    + "; expected a number in (0, 1], such as 0.1");
        }
    }

    /** Returns the architecture of the shipped detector: 32-pixel RGB input and stages of 32, 64 and 128 channels. */
    public static DetectorArchitecture defaults() {
        return new DetectorArchitecture(32, 3, List.of(32, 64, 128), 3, 1e-5, 0.1);
    }

    /** Returns the length of the feature vector: the channel count of the last stage. */
    public int featureDimension() {
        return stageChannels.get(stageChannels.size() - 1);
    }

    /** Returns the number of values in one CHW input picture. */
    public int inputValueCount() {
        return inputChannels * imageSize * imageSize;
    }
}
