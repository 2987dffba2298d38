/**
 * QtscQuantAct: uniform unsigned b-bit activation quantizer with a fixed or
 * learned clip. y = s * clamp(floor(x/s + 0.5), 0, 2^bits - 1), s = clip/(2^bits - 1).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { quantActForward, quantActSte } from './ste.js';

export const QuantActConfigSchema = z.object({
  bits: z.number().int().min(1).max(24),
  clip: z.number().finite().positive(),
  learnClip: z.boolean().default(false),
});

export type QtscQuantActArgs = ConstructorParameters<typeof tf.layers.Layer>[0] & {
  bits: number;
  clip: number;
  learnClip?: boolean;
};

export class QtscQuantAct extends tf.layers.Layer {
  static className = 'QtscQuantAct';
  readonly bits: number;
  readonly clip: number;
  readonly learnClip: boolean;
  private clipWeight: tf.LayerVariable | null = null;

  constructor(args: QtscQuantActArgs) {
    super(args);
    const parsed = QuantActConfigSchema.safeParse({ bits: args.bits, clip: args.clip, learnClip: args.learnClip });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`QtscQuantAct${args.name ? ` '${args.name}'` : ''}: config '${issue.path.join('.')}': ${issue.message}`);
    }
    this.bits = parsed.data.bits;
    this.clip = parsed.data.clip;
    this.learnClip = parsed.data.learnClip;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    if (this.learnClip && this.clipWeight === null) {
      this.clipWeight = this.addWeight('clip', [1], 'float32', tf.initializers.constant({ value: this.clip }), undefined, true);
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.clipWeight !== null) return quantActSte(x, this.clipWeight.read(), this.bits);
    return tf.tidy(() => quantActSte(x, tf.tensor1d([this.clip]), this.bits));
  }

  /** The clip in force: the learned weight when learnClip, else the config value. */
  currentClip(): number {
    if (this.clipWeight !== null) return this.clipWeight.read().dataSync()[0];
    return this.clip;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bits: this.bits, clip: this.clip, learnClip: this.learnClip };
  }
}

export { quantActForward };
