/*
 * The one place that loads @peculiar/x509. Version 2 resolves its algorithm registry through tsyringe, which
 * refuses to load unless a Reflect metadata polyfill is already installed, so the polyfill import must be
 * evaluated first; routing every use through this module guarantees that order.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1X509 from '@peculiar/asn1-x509';
import { AsnConvert } from '@peculiar/asn1-schema';

export { AsnConvert, asn1X509, x509 };
