// `customer import`: the customers of a JSON or CSV file, each checked against the contract's
// Customer schema, refused as a whole on the first problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadContract, type Customer } from '@sbc/contract';
import { UsageError } from './admin-usage.js';

const checkCustomer = loadContract().schema('Customer');

export function validCustomer(customer: unknown, where: string): Customer {
  const issue = checkCustomer(customer);
  if (issue) throw new UsageError(`${where}: ${issue.description}`);
  return customer as Customer;
}

/**
 * Customers from a JSON array (or `{customers: [...]}`) or a CSV with the header
 * `id,name,parentReseller,features`. A relative `file` is read from `baseDir`, the directory
 * where the command was typed.
 */
export function readCustomers(file: string, baseDir: string): Customer[] {
  const path = resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read ${file} (${path}): ${reason}`);
  }
  let rows: unknown[];
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(text)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new UsageError(`${file} is not valid JSON`);
    }
    const list = Array.isArray(data) ? data : (data as { customers?: unknown }).customers;
    if (!Array.isArray(list)) throw new UsageError(`${file}: expected an array of customers or {"customers": [...]}`);
    rows = list.map((c) => ({ features: [], ...(c as object) }));
  } else {
    rows = parseCsv(text, file);
  }
  const customers = rows.map((row, i) => validCustomer(row, `${file} customer ${i + 1}`));
  refuseRepeatedIds(customers, file);
  return customers;
}

/** One id twice in a file is a mistake: which of the two was meant cannot be told. */
function refuseRepeatedIds(customers: Customer[], file: string): void {
  const firstAt = new Map<string, number>();
  customers.forEach((customer, i) => {
    const first = firstAt.get(customer.id);
    if (first !== undefined) throw new UsageError(`${file} customer ${i + 1}: id ${customer.id} is already customer ${first + 1} of the file`);
    firstAt.set(customer.id, i);
  });
}

function parseCsv(text: string, file: string): unknown[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = splitCsvLine(lines.shift() ?? '').map((h) => h.trim());
  for (const required of ['id', 'name']) if (!header.includes(required)) throw new UsageError(`${file}: the CSV header needs an ${required} column`);
  return lines.map((line) => {
    const cells = splitCsvLine(line);
    const cell = (name: string) => (header.includes(name) ? cells[header.indexOf(name)]?.trim() ?? '' : '');
    const parent = cell('parentReseller');
    const features = cell('features');
    return {
      id: cell('id'),
      name: cell('name'),
      ...(parent ? { parentReseller: parent } : {}),
      features: features ? features.split(/[;|,\s]+/).filter(Boolean) : [],
    };
  });
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      current += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      cells.push(current);
      current = '';
    } else current += c;
  }
  cells.push(current);
  return cells;
}
