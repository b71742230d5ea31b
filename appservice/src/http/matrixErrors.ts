import type { Response } from "express";

/** Sends an error in the Matrix spec's shape: `{ errcode, error }`. */
export function sendMatrixError(res: Response, status: number, errcode: string, error: string): void {
  res.status(status).json({ errcode, error });
}
