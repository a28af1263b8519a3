import { Request, Response } from 'express';
import { FieldErrors, InputValidationException } from '../validation/input-validation';
import { FlashKey, setFlash } from './flash';
import { wantsJson } from './wants-json';

/**
 * Answers invalid input: JSON clients get a 400 with every field's message (via the exception
 * filter), people get the page re-rendered with status 400, their input and the messages.
 */
export function answerInvalid(
  req: Request,
  res: Response,
  errors: FieldErrors,
  page: { view: string; model: object },
): void {
  if (wantsJson(req)) throw new InputValidationException(errors);
  res.status(400).render(page.view, page.model);
}

/**
 * Answers a successful write: JSON clients get the status and body, forms a 303 redirect (so a
 * reload doesn't post again) and a one-time message on the page they land on.
 */
export function answerWrite(
  req: Request,
  res: Response,
  answer: { status: number; json: object; redirectTo: string; flash: FlashKey },
): void {
  if (wantsJson(req)) {
    res.status(answer.status).json(answer.json);
    return;
  }
  setFlash(res, answer.flash);
  res.redirect(303, answer.redirectTo);
}
