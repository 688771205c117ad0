/*
 * Prepayment and credit accounting of an ESME (COSEM classes 111-113 behind the scenes). Money is in the
 * GBCS currency unit with scaler -5 (100000 = £1.00), as every RTDS price and balance is.
 */

export const POUND = 100_000;

export type PaymentMode = 'credit' | 'prepayment';

export interface PrepaymentRegisters {
  meterBalance: number;
  emergencyCreditBalance: number;
  accumulatedDebt: number;
  paymentDebt: number;
  timeDebt1: number;
  timeDebt2: number;
}

export class Account {
  mode: PaymentMode = 'credit';
  /** Account status as COSEM class 111 reports it next to the mode (1 new, 2 active, 3 closed). */
  status = 2;
  meterBalance = 0;
  /** Emergency credit still available to use once activated. */
  emergencyCreditBalance = 0;
  emergencyCreditActive = false;
  accumulatedDebt = 0;
  paymentDebt = 0;
  timeDebt1 = 0;
  timeDebt2 = 0;
  /** Highest top-up counter accepted (UTRN anti-replay). */
  lastTopUpCounter = 0n;
  /** Recently accepted UTRNs (a duplicate entry is reported, not credited twice). */
  readonly recentUtrns: string[] = [];

  registers(): PrepaymentRegisters {
    return {
      meterBalance: this.meterBalance,
      emergencyCreditBalance: this.emergencyCreditBalance,
      accumulatedDebt: this.accumulatedDebt,
      paymentDebt: this.paymentDebt,
      timeDebt1: this.timeDebt1,
      timeDebt2: this.timeDebt2,
    };
  }

  setRegisters(r: PrepaymentRegisters): void {
    this.meterBalance = r.meterBalance;
    this.emergencyCreditBalance = r.emergencyCreditBalance;
    this.accumulatedDebt = r.accumulatedDebt;
    this.paymentDebt = r.paymentDebt;
    this.timeDebt1 = r.timeDebt1;
    this.timeDebt2 = r.timeDebt2;
  }

  /** Credit available to keep the supply on: balance plus activated emergency credit. */
  available(): number {
    return this.meterBalance + (this.emergencyCreditActive ? this.emergencyCreditBalance : 0);
  }

  /**
   * Take a charge (energy, standing charge, time debt). Emergency credit in use pays once the balance is
   * exhausted, so the two drain in that order.
   */
  charge(amount: number): void {
    if (amount <= 0) return;
    if (this.mode === 'prepayment' && this.emergencyCreditActive && this.meterBalance <= 0) {
      const fromEc = Math.min(amount, this.emergencyCreditBalance);
      this.emergencyCreditBalance -= fromEc;
      amount -= fromEc;
      this.accumulatedDebt += fromEc;
      if (this.emergencyCreditBalance <= 0) this.emergencyCreditActive = false;
    }
    this.meterBalance -= amount;
  }

  /**
   * Apply a top-up: payment-based debt recovery takes its share first (rate in hundredths of a percent),
   * emergency credit used is repaid, the rest credits the balance.
   */
  topUp(amount: number, debtRecoveryRate: number): void {
    const toDebt = Math.min(this.paymentDebt, Math.floor((amount * debtRecoveryRate) / 10_000));
    this.paymentDebt -= toDebt;
    let rest = amount - toDebt;
    const toEc = Math.min(this.accumulatedDebt, rest);
    this.accumulatedDebt -= toEc;
    rest -= toEc;
    this.meterBalance += rest;
    if (this.meterBalance > 0) this.emergencyCreditActive = false;
  }
}
