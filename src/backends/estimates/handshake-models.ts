/**
 * Clocked models of the flow control of the hw/ primitives, for the latency
 * figure (latency.ts): per unit only the registers that decide when a word
 * moves (valid and ready flip-flops, counters, bank flags, pipeline valid
 * bits), updated as the RTL updates them, and the combinational valid and
 * ready outputs as the RTL forms them. No data. Stepped cycle by cycle they
 * give the cycle each word crosses each port; each model names the module it
 * follows, and test/backends/estimates/latency.test.ts holds them to the
 * latency Verilator measures.
 *
 * Per cycle a unit is asked, in this order: forward (its output valids, from
 * its registers and, where the RTL has a combinational path, its input
 * valids), backward (its input readies, from its registers, its output readies
 * and, for qtsc_add, its input valids), then tick (a handshake fires where
 * valid and ready are both high), which advances the registers and says
 * whether any changed. Every model starts in the RTL's reset state.
 */

/** One valid/ready stream between two units. */
export interface Link {
  valid: boolean;
  ready: boolean;
}

export interface ClockedUnit {
  readonly inputs: number;
  readonly outputs: number;
  /** Binds the ports to their links, once, before the first cycle. */
  connect(ins: Link[], outs: Link[]): void;
  forward(): void;
  backward(): void;
  /** Advances the registers; false when none changed. */
  tick(): boolean;
}

const unbound: Link = { valid: false, ready: false };

/** A unit of one input and one output port. */
abstract class Pipe implements ClockedUnit {
  readonly inputs: number = 1;
  readonly outputs: number = 1;
  protected in: Link = unbound;
  protected out: Link = unbound;
  protected abstract valid(sValid: boolean): boolean;
  protected abstract ready(sValid: boolean, mReady: boolean): boolean;
  /** Next state from this cycle's input valid and output ready; true when a register changed. */
  protected abstract step(sValid: boolean, mReady: boolean): boolean;
  connect(ins: Link[], outs: Link[]): void {
    this.in = ins[0] ?? unbound;
    this.out = outs[0] ?? unbound;
  }
  forward(): void {
    this.out.valid = this.valid(this.in.valid);
  }
  backward(): void {
    this.in.ready = this.ready(this.in.valid, this.out.ready);
  }
  tick(): boolean {
    return this.step(this.in.valid, this.out.ready);
  }
}

/** Wires (qtsc_axis_frame_check on a frame of the right length, qtsc_axis_width_conv with equal widths, a direct window). */
export class Wire extends Pipe {
  protected valid(sValid: boolean): boolean {
    return sValid;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return mReady;
  }
  protected step(): boolean {
    return false;
  }
}

/** qtsc_axis_skid RegType 2 (skid buffer: registered data, valid and ready). */
export class Skid extends Pipe {
  private outValidQ = false;
  private tmpValidQ = false;
  private readyQ = false;
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(): boolean {
    return this.readyQ;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const readyD = mReady || (!this.tmpValidQ && (!this.outValidQ || !sValid));
    let outValid = this.outValidQ;
    let tmpValid = this.tmpValidQ;
    if (this.readyQ) {
      if (mReady || !this.outValidQ) outValid = sValid;
      else tmpValid = sValid;
    } else if (mReady) {
      outValid = this.tmpValidQ;
      tmpValid = false;
    }
    const changed = outValid !== this.outValidQ || tmpValid !== this.tmpValidQ || readyD !== this.readyQ;
    this.outValidQ = outValid;
    this.tmpValidQ = tmpValid;
    this.readyQ = readyD;
    return changed;
  }
}

/** qtsc_axis_skid RegType 1 (register slice: a word every other cycle), as qtsc_axis_fifo of Depth 1. */
export class RegisterSlice extends Pipe {
  private outValidQ = false;
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(): boolean {
    return !this.outValidQ;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const before = this.outValidQ;
    if (sValid && !this.outValidQ) this.outValidQ = true;
    else if (mReady) this.outValidQ = false;
    return this.outValidQ !== before;
  }
}

/** qtsc_axis_width_conv with InElems = Ratio * OutElems (downsizer). */
export class Downsizer extends Pipe {
  private validQ = false;
  private cnt = 0;
  constructor(private readonly ratio: number) {
    super();
  }
  protected valid(): boolean {
    return this.validQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return !this.validQ || (mReady && this.cnt === this.ratio - 1);
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const last = this.cnt === this.ratio - 1;
    const mFire = this.validQ && mReady;
    const sFire = sValid && this.ready(sValid, mReady);
    const before = this.validQ;
    if (sFire) this.validQ = true;
    else if (mFire && last) this.validQ = false;
    if (mFire) this.cnt = last ? 0 : this.cnt + 1;
    return mFire || this.validQ !== before;
  }
}

/** qtsc_axis_width_conv with OutElems = Ratio * InElems (upsizer). */
export class Upsizer extends Pipe {
  private fullQ = false;
  private cnt = 0;
  constructor(private readonly ratio: number) {
    super();
  }
  protected valid(): boolean {
    return this.fullQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return !this.fullQ || mReady;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const mFire = this.fullQ && mReady;
    const sFire = sValid && this.ready(sValid, mReady);
    const wrap = this.cnt === this.ratio - 1;
    const before = this.fullQ;
    if (sFire) this.cnt = wrap ? 0 : this.cnt + 1;
    if (sFire && wrap) this.fullQ = true;
    else if (mFire) this.fullQ = false;
    return sFire || this.fullQ !== before;
  }
}

/** qtsc_axis_width_conv otherwise (gearbox): a buffer of Cap elements, counted in elements. */
export class Gearbox extends Pipe {
  private held = 0;
  private readonly cap: number;
  constructor(
    private readonly inElems: number,
    private readonly outElems: number,
  ) {
    super();
    this.cap = inElems + outElems + Math.max(inElems, outElems) - 1;
  }
  protected valid(): boolean {
    return this.held >= this.outElems;
  }
  protected ready(): boolean {
    return this.held <= this.cap - this.inElems;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const mFire = this.held >= this.outElems && mReady;
    const sFire = sValid && this.held <= this.cap - this.inElems;
    const before = this.held;
    this.held += (sFire ? this.inElems : 0) - (mFire ? this.outElems : 0);
    return this.held !== before;
  }
}

/** The width converter between words of `inElems` and `outElems` elements. */
export function widthConverter(inElems: number, outElems: number): ClockedUnit {
  if (inElems === outElems) return new Wire();
  if (inElems % outElems === 0) return new Downsizer(inElems / outElems);
  if (outElems % inElems === 0) return new Upsizer(outElems / inElems);
  return new Gearbox(inElems, outElems);
}

/** Shape of a qtsc_mvu for its flow control. */
export interface MvuShape {
  sf: number;
  nf: number;
  /** WeightReg: stage S1b. */
  weightReg: boolean;
  /** EnginePipe register levels between S1 and S2. */
  enginePipe: number;
}

/**
 * qtsc_mvu: issue counters, input banks (Nf > 1) or streaming (Nf = 1), the
 * valid and last flags of S1, S1b, the engine's levels and S2, and the output
 * register S3, all moving with the one advance en = ~v2 | ~out_valid | m_ready.
 */
export class Mvu extends Pipe {
  private sfQ = 0;
  private nfQ = 0;
  private full = [false, false];
  private wrBank = 0;
  private rdBank = 0;
  private wrPtr = 0;
  private v1 = false;
  private last1 = false;
  private v1b = false;
  private last1b = false;
  /** Engine levels, stage i at index i: valid and last. */
  private readonly vPipe: boolean[];
  private readonly lastPipe: boolean[];
  private v2 = false;
  private outValidQ = false;
  constructor(private readonly s: MvuShape) {
    super();
    this.vPipe = new Array<boolean>(s.enginePipe).fill(false);
    this.lastPipe = new Array<boolean>(s.enginePipe).fill(false);
  }
  private en(mReady: boolean): boolean {
    return !this.v2 || !this.outValidQ || mReady;
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return this.s.nf === 1 ? this.en(mReady) : !this.full[this.wrBank];
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const { sf, nf, weightReg } = this.s;
    const p = this.s.enginePipe;
    const en = this.en(mReady);
    const issue = en && (nf === 1 ? sValid : this.full[this.rdBank]);
    const sfLast = this.sfQ === sf - 1;
    const nfLast = this.nfQ === nf - 1;
    // The flags as the engine sees them (S1, or S1b with WeightReg) and as they reach S2.
    const vs = weightReg ? this.v1b : this.v1;
    const lasts = weightReg ? this.last1b : this.last1;
    const vd = p === 0 ? vs : this.vPipe[p - 1];
    const lastd = p === 0 ? lasts : this.lastPipe[p - 1];
    // Nothing moves when no word is issued or written and no stage holds a valid word
    // (the last flags beside invalid stages are never read).
    const busy = issue || this.v1 || this.v1b || this.v2 || this.outValidQ || this.vPipe.includes(true) || (nf > 1 ? sValid && !this.full[this.wrBank] : false);
    if (nf > 1) {
      const wb = this.wrBank;
      const rb = this.rdBank;
      const wr = sValid && !this.full[wb];
      const wrDone = wr && this.wrPtr === sf - 1;
      const rdDone = issue && sfLast && nfLast;
      for (let b = 0; b < 2; b++) {
        if (wrDone && wb === b) this.full[b] = true;
        else if (rdDone && rb === b) this.full[b] = false;
      }
      if (wr) this.wrPtr = wrDone ? 0 : this.wrPtr + 1;
      if (wrDone) this.wrBank = wb ^ 1;
      if (rdDone) this.rdBank = rb ^ 1;
    }
    if (!this.outValidQ || mReady) this.outValidQ = this.v2;
    if (en) {
      this.v2 = vd && lastd;
      for (let i = p - 1; i > 0; i--) {
        this.vPipe[i] = this.vPipe[i - 1];
        this.lastPipe[i] = this.lastPipe[i - 1];
      }
      if (p > 0) {
        this.vPipe[0] = vs;
        this.lastPipe[0] = lasts;
      }
      if (weightReg) {
        this.v1b = this.v1;
        this.last1b = this.last1;
      }
      this.v1 = issue;
    }
    if (issue) {
      this.last1 = sfLast;
      this.sfQ = sfLast ? 0 : this.sfQ + 1;
      if (sfLast) this.nfQ = nfLast ? 0 : this.nfQ + 1;
    }
    return busy;
  }
}

/** qtsc_thresholds_bsearch: Levels + 1 valid registers that shift on adv = ~valid[Levels] | m_ready. */
export class BinarySearch extends Pipe {
  private readonly v: boolean[];
  constructor(levels: number) {
    super();
    this.v = new Array<boolean>(levels + 1).fill(false);
  }
  private adv(mReady: boolean): boolean {
    return !this.v[this.v.length - 1] || mReady;
  }
  protected valid(): boolean {
    return this.v[this.v.length - 1];
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return this.adv(mReady);
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    if (!this.adv(mReady) || (!sValid && !this.v.includes(true))) return false;
    for (let i = this.v.length - 1; i > 0; i--) this.v[i] = this.v[i - 1];
    this.v[0] = sValid;
    return true;
  }
}

/** qtsc_argmax_collect: a frame's Nf words in, one result word out (out_valid one cycle after the last). */
export class ArgmaxCollect extends Pipe {
  private outValidQ = false;
  private nfQ = 0;
  constructor(private readonly nf: number) {
    super();
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return !this.outValidQ || mReady;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const fire = sValid && this.ready(sValid, mReady);
    const last = this.nfQ === this.nf - 1;
    const before = this.outValidQ;
    if (fire) this.nfQ = last ? 0 : this.nfQ + 1;
    if (fire && last) this.outValidQ = true;
    else if (mReady) this.outValidQ = false;
    return fire || this.outValidQ !== before;
  }
}

/**
 * qtsc_argmax_collect with Pipelined = 1 and Pe > 1: `levels` register stages of the
 * comparator tree (valid and last word beside them) before the running maximum; they
 * and the input move only when the output register is free or being read.
 */
export class ArgmaxCollectPipelined extends Pipe {
  private outValidQ = false;
  private nfQ = 0;
  private readonly vQ: boolean[];
  private readonly lastQ: boolean[];
  constructor(
    private readonly nf: number,
    private readonly levels: number,
  ) {
    super();
    this.vQ = new Array<boolean>(levels).fill(false);
    this.lastQ = new Array<boolean>(levels).fill(false);
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return !this.outValidQ || mReady;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const adv = this.ready(sValid, mReady);
    const fire = sValid && adv;
    const last = this.nfQ === this.nf - 1;
    const topFire = this.vQ[this.levels - 1] && adv;
    const topLast = this.lastQ[this.levels - 1];
    const before = `${this.outValidQ}/${this.nfQ}/${this.vQ.join()}/${this.lastQ.join()}`;
    if (fire) this.nfQ = last ? 0 : this.nfQ + 1;
    if (adv) {
      this.vQ.pop();
      this.vQ.unshift(sValid);
      this.lastQ.pop();
      this.lastQ.unshift(last);
    }
    if (topFire && topLast) this.outValidQ = true;
    else if (mReady) this.outValidQ = false;
    return `${this.outValidQ}/${this.nfQ}/${this.vQ.join()}/${this.lastQ.join()}` !== before;
  }
}

/** qtsc_pool: per window Taps*G words in, G words out, each leaving the cycle after its last tap. */
export class Pool extends Pipe {
  private tap = 0;
  private g = 0;
  private outValidQ = false;
  constructor(
    private readonly taps: number,
    private readonly groups: number,
  ) {
    super();
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return this.tap !== this.taps - 1 || !this.outValidQ || mReady;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const last = this.tap === this.taps - 1;
    const take = sValid && this.ready(sValid, mReady);
    const before = this.outValidQ;
    if (take) {
      const gLast = this.g === this.groups - 1;
      this.g = gLast ? 0 : this.g + 1;
      if (gLast) this.tap = last ? 0 : this.tap + 1;
    }
    if (take && last) this.outValidQ = true;
    else if (mReady) this.outValidQ = false;
    return take || this.outValidQ !== before;
  }
}

/** qtsc_vvu: take, S1 (valid, last tap), S2 (a finished group), S3 output register; en = ~v2 | ~out_valid | m_ready. */
export class Vvu extends Pipe {
  private tap = 0;
  private g = 0;
  private v1 = false;
  private last1 = false;
  private v2 = false;
  private outValidQ = false;
  constructor(
    private readonly taps: number,
    private readonly groups: number,
  ) {
    super();
  }
  private en(mReady: boolean): boolean {
    return !this.v2 || !this.outValidQ || mReady;
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(_sValid: boolean, mReady: boolean): boolean {
    return this.en(mReady);
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const en = this.en(mReady);
    const take = sValid && en;
    const tLast = this.tap === this.taps - 1;
    const s3Free = !this.outValidQ || mReady;
    const v2 = this.v2;
    const busy = take || this.v1 || this.v2 || this.outValidQ;
    if (s3Free) this.outValidQ = v2;
    if (en) {
      this.v2 = this.v1 && this.last1;
      this.v1 = take;
    }
    if (take) {
      this.last1 = tLast;
      const gLast = this.g === this.groups - 1;
      this.g = gLast ? 0 : this.g + 1;
      if (gLast) this.tap = tLast ? 0 : this.tap + 1;
    }
    return busy;
  }
}

/** qtsc_axis_fifo of Depth >= 3: count, memory count, ready and output valid registers (a word written in t is offered from t + 2). */
export class Fifo extends Pipe {
  private count = 0;
  private memCount = 0;
  private readyQ = false;
  private outValidQ = false;
  constructor(private readonly depth: number) {
    super();
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(): boolean {
    return this.readyQ;
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const wr = sValid && this.readyQ;
    const pop = this.outValidQ && mReady;
    const rd = this.memCount !== 0 && (!this.outValidQ || mReady);
    const before = this.readyQ;
    const countD = this.count + (wr ? 1 : 0) - (pop ? 1 : 0);
    this.count = countD;
    this.memCount += (wr ? 1 : 0) - (rd ? 1 : 0);
    this.readyQ = countD !== this.depth;
    this.outValidQ = rd || (this.outValidQ && !mReady);
    return wr || rd || pop || this.readyQ !== before;
  }
}

/** qtsc_axis_fifo of any depth. */
export function fifo(depth: number): ClockedUnit {
  if (depth === 1) return new RegisterSlice();
  if (depth === 2) return new Skid();
  return new Fifo(depth);
}

/** qtsc_axis_fork, Buffered 1: a skid buffer per output, each fed only when the other takes the word too. */
export class Fork implements ClockedUnit {
  readonly inputs = 1;
  readonly outputs = 2;
  private readonly a = new Skid();
  private readonly b = new Skid();
  /** What each buffer sees on its input side. */
  private readonly aIn: Link = { valid: false, ready: false };
  private readonly bIn: Link = { valid: false, ready: false };
  private in: Link = unbound;
  connect(ins: Link[], outs: Link[]): void {
    this.in = ins[0];
    this.a.connect([this.aIn], [outs[0]]);
    this.b.connect([this.bIn], [outs[1]]);
  }
  forward(): void {
    this.a.forward();
    this.b.forward();
  }
  backward(): void {
    // The buffers' readies are flip-flops: they do not depend on what is offered to them.
    this.a.backward();
    this.b.backward();
    this.in.ready = this.aIn.ready && this.bIn.ready;
  }
  tick(): boolean {
    this.aIn.valid = this.in.valid && this.bIn.ready;
    this.bIn.valid = this.in.valid && this.aIn.ready;
    const a = this.a.tick();
    const b = this.b.tick();
    return a || b;
  }
}

/** qtsc_add: takes a pair of words (a_ready = b_valid & en), S1 (z register), S2 output register; en = ~v1 | ~out_valid | m_ready. */
export class Add implements ClockedUnit {
  readonly inputs = 2;
  readonly outputs = 1;
  private v1 = false;
  private outValidQ = false;
  private a: Link = unbound;
  private b: Link = unbound;
  private out: Link = unbound;
  private en(): boolean {
    return !this.v1 || !this.outValidQ || this.out.ready;
  }
  connect(ins: Link[], outs: Link[]): void {
    [this.a, this.b] = ins;
    this.out = outs[0];
  }
  forward(): void {
    this.out.valid = this.outValidQ;
  }
  backward(): void {
    const en = this.en();
    this.a.ready = this.b.valid && en;
    this.b.ready = this.a.valid && en;
  }
  tick(): boolean {
    const en = this.en();
    const take = this.a.valid && this.b.valid && en;
    const busy = take || this.v1 || this.outValidQ;
    if (!this.outValidQ || this.out.ready) this.outValidQ = this.v1;
    if (en) this.v1 = take;
    return busy;
  }
}

/** Geometry of a qtsc_swu (the parameters of the window wrapper). */
export interface SwuShape {
  ih: number;
  iw: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  simd: number;
}

/**
 * qtsc_swu: the writer (occupancy and position in the row being written, ready
 * = occupancy < R), the reader (band, window and tap counters; a tap issues when
 * it is padding and the frame has begun, or its word has been written), the
 * rows released when a band is done, and S1 / S2 valid registers.
 */
export class Swu extends Pipe {
  private readonly g: number;
  private readonly oh: number;
  private readonly ow: number;
  private readonly r: number;
  private readonly rowWords: number;
  private readonly kwg: number;
  private readonly padLeftG: number;
  private readonly step_: number;
  private readonly tyLast: number;
  private readonly lxgLast: number;
  private readonly relEnd: number;
  private occ = 0;
  private dist: number;
  private wrOk = false;
  private wpos: number;
  private ty = 0;
  private iy = 0;
  private lxg = 0;
  private ixg = 0;
  private ky = 0;
  private kg = 0;
  private v1 = false;
  private outValidQ = false;
  constructor(private readonly s: SwuShape) {
    super();
    this.g = s.c / s.simd;
    this.oh = Math.floor((s.ih + s.padTop + s.padBottom - s.kh) / s.sh) + 1;
    this.ow = Math.floor((s.iw + s.padLeft + s.padRight - s.kw) / s.sw) + 1;
    this.r = Math.min(s.kh, s.ih) + s.sh;
    this.rowWords = s.iw * this.g;
    this.kwg = s.kw * this.g;
    this.padLeftG = s.padLeft * this.g;
    this.step_ = s.ih - (this.oh - 1) * s.sh;
    this.tyLast = (this.oh - 1) * s.sh;
    this.lxgLast = (this.ow - 1) * s.sw * this.g;
    const relLast = Math.min(s.ih, Math.max(0, this.tyLast - s.padTop));
    this.relEnd = s.ih - relLast;
    this.dist = s.padTop;
    this.wpos = this.padLeftG;
  }
  private en1(mReady: boolean): boolean {
    return !this.v1 || !this.outValidQ || mReady;
  }
  protected valid(): boolean {
    return this.outValidQ;
  }
  protected ready(): boolean {
    return this.wrOk;
  }
  /** Image rows above band top row `ty` (counted with the padding). */
  private released(ty: number): number {
    return ty < this.s.padTop ? 0 : Math.min(this.s.ih, ty - this.s.padTop);
  }
  private avail(): boolean {
    const s = this.s;
    const rowPad = this.iy < s.padTop || this.iy >= s.padTop + s.ih;
    const colPad = this.ixg < this.padLeftG || this.ixg >= this.padLeftG + this.rowWords;
    if (rowPad || colPad) {
      const frameRow = this.dist + this.ty - s.padTop;
      return frameRow > 0 || (frameRow === 0 && this.wpos !== this.padLeftG);
    }
    return this.dist > this.ky || (this.dist === this.ky && this.wpos > this.ixg);
  }
  protected step(sValid: boolean, mReady: boolean): boolean {
    const s = this.s;
    const wr = sValid && this.wrOk;
    const rowDone = wr && this.wpos === this.padLeftG + this.rowWords - 1;
    const en1 = this.en1(mReady);
    const issue = en1 && this.avail();
    const kgLast = this.kg === this.kwg - 1;
    const kyLast = this.ky === s.kh - 1;
    const oxLast = this.lxg === this.lxgLast;
    const oyLast = this.ty === this.tyLast;
    const bandDone = issue && kgLast && kyLast && oxLast;
    // Rows released when the band is done.
    const relDelta = oyLast ? this.relEnd : this.released(this.ty + s.sh) - this.released(this.ty);
    const held = this.v1 || this.outValidQ;
    // S1, S2.
    const s2Free = !this.outValidQ || mReady;
    if (s2Free) this.outValidQ = this.v1;
    if (en1) this.v1 = issue;
    // Writer.
    if (wr) this.wpos = rowDone ? this.padLeftG : this.wpos + 1;
    // Reader.
    if (issue) {
      if (!kgLast) {
        this.kg++;
        this.ixg++;
      } else {
        this.kg = 0;
        if (!kyLast) {
          this.ky++;
          this.iy++;
          this.ixg = this.lxg;
        } else {
          this.ky = 0;
          const lxgN = oxLast ? 0 : this.lxg + s.sw * this.g;
          this.lxg = lxgN;
          this.ixg = lxgN;
          if (!oxLast) this.iy = this.ty;
          else {
            const tyN = oyLast ? 0 : this.ty + s.sh;
            this.ty = tyN;
            this.iy = tyN;
          }
        }
      }
    }
    let occ = this.occ;
    let dist = this.dist;
    if (rowDone) {
      occ++;
      dist++;
    }
    if (bandDone) {
      occ -= relDelta;
      dist -= oyLast ? this.step_ : s.sh;
    }
    const busy = wr || issue || held || this.wrOk !== occ < this.r;
    this.occ = occ;
    this.dist = dist;
    this.wrOk = occ < this.r;
    return busy;
  }
}
