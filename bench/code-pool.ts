/** The mock issues at most this many codes per control call. */
export const CODE_BATCH = 10_000

/**
 * Codes pre-issued by the mock WeChat (bench/mock-server.ts on 127.0.0.1:`mockPort`), so that issuing
 * them is not part of what is measured; shared by bench/load.ts and bench/throughput.ts. Below
 * `lowWater` codes left, it tops itself up (at the mock, in its own process) in the background.
 */
export class CodePool {
  private codes: string[] = []
  private refill: Promise<void> | undefined
  /** Top-ups during the run: each means the estimate fell short and loaded the mock mid-run. */
  topUps = 0
  /** Times a code was asked for and none was left. */
  exhausted = 0

  constructor(
    private readonly mockPort: number,
    private readonly lowWater: number,
  ) {}

  /** Drops what is left (it ages towards WeChat's 5-minute code lifetime) and issues `count` fresh. */
  async fill(count: number): Promise<void> {
    this.codes = []
    await this.issue(count)
  }

  private async issue(count: number): Promise<void> {
    for (let left = count; left > 0; left -= CODE_BATCH) {
      const response = await fetch(
        `http://127.0.0.1:${this.mockPort}/mock-wechat/__control/codes`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ count: Math.min(CODE_BATCH, left) }),
        },
      )
      if (!response.ok) {
        throw new Error(`mock refused codes: ${response.status} ${await response.text()}`)
      }
      this.codes.push(...((await response.json()) as { codes: string[] }).codes)
    }
  }

  /** A fresh code at once, or undefined when none is left (a top-up may be on its way). */
  next(): string | undefined {
    if (this.codes.length < this.lowWater && !this.refill) {
      this.topUps++
      this.refill = this.issue(CODE_BATCH).finally(() => (this.refill = undefined))
    }
    const code = this.codes.pop()
    if (code === undefined) this.exhausted++
    return code
  }

  /** A fresh code, waiting for the top-up when none is left. */
  async take(): Promise<string> {
    for (;;) {
      const code = this.next()
      if (code !== undefined) return code
      await this.refill
    }
  }
}
