import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { parseWith, readJson } from '../../../runtime/http.ts';
import { z } from 'zod';
import { SubmitTransactionsBody, UserTransaction, type SubmitTransactionsResult, type TransactionSubmission } from '../../../schemas/index.ts';
import { txHashOf } from '../../chain/index.ts';
import type { SubmissionResult } from '../../node/user-submissions.ts';
import type { ValidatorHttpDeps } from '../deps.ts';

/**
 * `POST /transaction`: one signed user transaction, answered with its own status code (200
 * committed, 202 still pending, or the error refusing it); or `{ transactions: [...] }`, answered
 * 200 with one result per transaction, refused ones carrying `error`.
 */
export function submitTransactionRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  api.post('/transaction', async (c) => {
    const body = await readJson(c, z.unknown());
    if (isBatch(body)) {
      const { transactions } = parseWith(SubmitTransactionsBody, body, 'body');
      const results = await deps.submissions.submit(transactions);
      return c.json<SubmitTransactionsResult>({ results: results.map((r, i) => asBatchResult(r, transactions[i]!)) });
    }
    const tx = parseWith(UserTransaction, body, 'body');
    const [result] = await deps.submissions.submit([tx]);
    if (result instanceof AppError) throw result;
    return c.json<TransactionSubmission>(result!, result!.status === 'committed' ? 200 : 202);
  });
}

const isBatch = (body: unknown): boolean => body !== null && typeof body === 'object' && !Array.isArray(body) && 'transactions' in body;

function asBatchResult(result: SubmissionResult, tx: UserTransaction): TransactionSubmission {
  if (!(result instanceof AppError)) return result;
  return { hash: txHashOf(tx), status: 'rejected', height: null, index: null, error: { code: result.code, message: result.message } };
}
